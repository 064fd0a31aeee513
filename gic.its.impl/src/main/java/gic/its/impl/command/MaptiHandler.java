package gic.its.impl.command;

import gic.its.impl.table.Dte;
import gic.its.impl.table.Ite;
import gic.its.impl.table.Slot;

/**
 * MAPTI (IHI 0069 "MAPTI"): maps (DeviceID, EventID) to pINTID through collection ICID. Checks in order:
 * DEVICE_OOR, UNMAPPED_DEVICE, ID_OOR, COLLECTION_OOR (the collection need not be mapped yet: software
 * may map it later, as kvm-unit-tests' "its-migrate-unmapped-collection" does), PHYSICALID_OOR (pINTID
 * not an LPI of this GIC: below 8192 or at least 2^IDbits; 1023 is rejected like any INTID below 8192).
 *
 * <p>Remapping an event that is already mapped is UNPREDICTABLE. IMPDEF: the new mapping overwrites the
 * ITE (as QEMU); pending state of the old LPI stays where it is. Invalidates the event's cache entry.
 */
public final class MaptiHandler implements CommandHandler<Command.Mapti> {

    @Override
    public Result execute(Command.Mapti c, ItsContext its) {
        return map(c, c.deviceId(), c.eventId(), c.pintid(), c.icid(), its);
    }

    /** MAPTI and MAPI (whose pINTID is its EventID). */
    static Result map(Command c, long deviceId, long eventId, long pintid, int icid, ItsContext its) {
        Lookup.Step<Dte> device = Lookup.device(its, c, deviceId, eventId);
        if (device.failed()) {
            return device.failure();
        }
        Lookup.Step<Slot.At> collection = Lookup.collectionSlot(its, c, icid);
        if (collection.failed()) {
            return collection.failure();
        }
        if (!Ite.isLpi(pintid, its.tables().lpiIdBits())) {
            return Result.error(c, ErrorCodes.PHYSICALID_OOR, "pINTID " + pintid + " is not an LPI of this GIC");
        }
        Slot ite = its.tables().eventSlot(device.value(), eventId);
        its.invalidate(deviceId, eventId);
        return Lookup.write(its, "ITE", ((Slot.At) ite).address(), Ite.of(pintid, icid).encode());
    }
}
