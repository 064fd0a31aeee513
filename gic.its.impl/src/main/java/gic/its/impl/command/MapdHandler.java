package gic.its.impl.command;

import gic.its.impl.table.Dte;
import gic.its.impl.table.Slot;

/**
 * MAPD (IHI 0069 "MAPD"): V = 1 writes the device's DTE (ITT address and size), V = 0 writes a zero DTE.
 * Checks: DeviceID beyond GITS_TYPER.Devbits or the device table (or its level-1 descriptor invalid) →
 * DEVICE_OOR; V = 1 and Size ≥ ID_bits + 1 → ITTSIZE_OOR.
 *
 * <p>Unmapping a device that still has mapped events is UNPREDICTABLE; IMPDEF: the ITT is left as it is
 * in guest memory and no pending state changes (the events become unreachable). Invalidates the whole
 * translation cache.
 */
public final class MapdHandler implements CommandHandler<Command.Mapd> {

    @Override
    public Result execute(Command.Mapd c, ItsContext its) {
        Lookup.Step<Slot.At> slot = Lookup.deviceSlot(its, c, c.deviceId());
        if (slot.failed()) {
            return slot.failure();
        }
        if (c.valid() && c.size() >= its.tables().eventIdBits()) {
            return Result.error(c, ErrorCodes.ITTSIZE_OOR, "ITT of " + (c.size() + 1) + " EventID bits; the ITS has "
                + its.tables().eventIdBits());
        }
        its.invalidateAll();
        Dte dte = c.valid() ? new Dte(true, c.ittAddress(), c.size()) : Dte.INVALID;
        return Lookup.write(its, "device table entry", slot.value().address(), dte.encode());
    }
}
