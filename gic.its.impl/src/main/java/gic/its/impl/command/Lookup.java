package gic.its.impl.command;

import static gic.its.impl.command.ErrorCodes.COLLECTION_OOR;
import static gic.its.impl.command.ErrorCodes.DEVICE_OOR;
import static gic.its.impl.command.ErrorCodes.ID_OOR;
import static gic.its.impl.command.ErrorCodes.UNMAPPED_DEVICE;
import static gic.its.impl.command.ErrorCodes.UNMAPPED_INTERRUPT;

import gic.core.redistributor.Redistributor;
import gic.its.impl.table.Cte;
import gic.its.impl.table.Dte;
import gic.its.impl.table.EntryRead;
import gic.its.impl.table.Ite;
import gic.its.impl.table.Slot;

/**
 * The table walk commands share (ITS.md §3.5 "common lookup"): DeviceID in range and inside the device
 * table → DTE valid → EventID below 2^(Size+1) → ITE valid → collection mapped → target redistributor.
 * Each step fails with the error cause the calling command reports, or with a stall on a memory fault.
 */
final class Lookup {

    private Lookup() {
    }

    /** A step's value, or the result the command ends with. */
    record Step<T>(T value, Result failure) {
        static <T> Step<T> ok(T value) {
            return new Step<>(value, null);
        }

        static <T> Step<T> fail(Result failure) {
            return new Step<>(null, failure);
        }

        boolean failed() {
            return failure != null;
        }
    }

    /** A mapped event: its device's entry, where its ITE is, and the ITE. */
    record Event(Dte dte, long iteAddress, Ite ite) {
    }

    /** DEVICE_OOR, UNMAPPED_DEVICE, ID_OOR: the device entry of a command naming ({@code deviceId}, {@code eventId}). */
    static Step<Dte> device(ItsContext its, Command c, long deviceId, long eventId) {
        EntryRead<Dte> read = its.tables().readDte(deviceId);
        if (read instanceof EntryRead.OutOfRange<Dte> out) {
            return Step.fail(Result.error(c, DEVICE_OOR, "DeviceID 0x" + hex(deviceId) + ": " + out.reason()));
        }
        if (read instanceof EntryRead.Fault<Dte> fault) {
            return Step.fail(Result.fault("device table of DeviceID 0x" + hex(deviceId), fault.address()));
        }
        Dte dte = ((EntryRead.Found<Dte>) read).entry();
        if (!dte.valid()) {
            return Step.fail(Result.error(c, UNMAPPED_DEVICE, "DeviceID 0x" + hex(deviceId) + " is not mapped"));
        }
        if (eventId >= dte.eventCount()) {
            return Step.fail(Result.error(c, ID_OOR, "EventID 0x" + hex(eventId) + " of DeviceID 0x" + hex(deviceId)
                + " beyond its " + dte.eventCount() + " events"));
        }
        return Step.ok(dte);
    }

    /** DEVICE_OOR: where the device table holds the entry of {@code deviceId} (MAPD). */
    static Step<Slot.At> deviceSlot(ItsContext its, Command c, long deviceId) {
        return slot(c, its.tables().deviceSlot(deviceId), DEVICE_OOR, "DeviceID 0x" + hex(deviceId), "device table");
    }

    /** COLLECTION_OOR: where the collection table holds the entry of {@code icid} (MAPC, MAPTI, MAPI). */
    static Step<Slot.At> collectionSlot(ItsContext its, Command c, long icid) {
        return slot(c, its.tables().collectionSlot(icid), COLLECTION_OOR, "ICID 0x" + hex(icid), "collection table");
    }

    /** {@code slot}, or the error with {@code outOfRangeCause} it is out of range for, or a stall on its fault. */
    private static Step<Slot.At> slot(Command c, Slot slot, int outOfRangeCause, String id, String table) {
        if (slot instanceof Slot.OutOfRange out) {
            return Step.fail(Result.error(c, outOfRangeCause, id + ": " + out.reason()));
        }
        if (slot instanceof Slot.Fault fault) {
            return Step.fail(Result.fault(table + " level-1 descriptor", fault.address()));
        }
        return Step.ok((Slot.At) slot);
    }

    /** {@link #device} then UNMAPPED_INTERRUPT: the mapped event. */
    static Step<Event> event(ItsContext its, Command c, long deviceId, long eventId) {
        Step<Dte> device = device(its, c, deviceId, eventId);
        if (device.failed()) {
            return Step.fail(device.failure());
        }
        Dte dte = device.value();
        EntryRead<Ite> read = its.tables().readIte(dte, eventId);
        if (read instanceof EntryRead.Fault<Ite> fault) {
            return Step.fail(Result.fault("ITE of DeviceID 0x" + hex(deviceId) + " EventID 0x" + hex(eventId),
                fault.address()));
        }
        if (read instanceof EntryRead.OutOfRange<Ite> out) {
            return Step.fail(Result.error(c, ID_OOR, out.reason())); // excluded by device(); kept total
        }
        EntryRead.Found<Ite> found = (EntryRead.Found<Ite>) read;
        if (!found.entry().valid()) {
            return Step.fail(Result.error(c, UNMAPPED_INTERRUPT, "EventID 0x" + hex(eventId) + " of DeviceID 0x"
                + hex(deviceId) + " is not mapped"));
        }
        return Step.ok(new Event(dte, found.address(), found.entry()));
    }

    /**
     * The redistributor collection {@code icid} is mapped to. An ICID outside the collection table fails
     * with {@code outOfRangeCause}, an unmapped collection with {@code unmappedCause}.
     */
    static Step<Redistributor> collection(ItsContext its, Command c, long icid, int outOfRangeCause,
                                          int unmappedCause) {
        EntryRead<Cte> read = its.tables().readCte(icid);
        if (read instanceof EntryRead.OutOfRange<Cte> out) {
            return Step.fail(Result.error(c, outOfRangeCause, "ICID 0x" + hex(icid) + ": " + out.reason()));
        }
        if (read instanceof EntryRead.Fault<Cte> fault) {
            return Step.fail(Result.fault("collection table of ICID 0x" + hex(icid), fault.address()));
        }
        Cte cte = ((EntryRead.Found<Cte>) read).entry();
        Redistributor rd = cte.valid() ? its.redistributor(cte.processor()) : null;
        if (rd == null) {
            return Step.fail(Result.error(c, unmappedCause, "collection 0x" + hex(icid) + " is not mapped"));
        }
        return Step.ok(rd);
    }

    /** A mapped event's LPI and the redistributor its collection names. */
    record Target(int pintid, Redistributor rd) {
    }

    /**
     * {@link #event} then ITE_INVALID if the ITE's collection is unmapped: where the command's event
     * raises its LPI (INT, CLEAR, INV).
     */
    static Step<Target> target(ItsContext its, Command c) {
        Step<Event> event = event(its, c, c.deviceId(), c.eventId());
        if (event.failed()) {
            return Step.fail(event.failure());
        }
        Ite ite = event.value().ite();
        Step<Redistributor> rd = collection(its, c, ite.icid(), ErrorCodes.ITE_INVALID, ErrorCodes.ITE_INVALID);
        return rd.failed() ? Step.fail(rd.failure()) : Step.ok(new Target((int) ite.pintid(), rd.value()));
    }

    /** Writes an entry; a memory fault stalls. */
    static Result write(ItsContext its, String what, long address, long raw) {
        return its.tables().write(address, raw) ? Result.DONE : Result.fault(what, address);
    }

    static String hex(long v) {
        return Long.toHexString(v);
    }
}
