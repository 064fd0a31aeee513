package gic.its.impl.command;

import gic.core.redistributor.Redistributor;
import gic.its.impl.table.Ite;

/**
 * DISCARD (IHI 0069 "DISCARD"): unmaps the event (a zero ITE) and removes its LPI's pending state.
 * Checks: DEVICE_OOR, UNMAPPED_DEVICE, ID_OOR, UNMAPPED_INTERRUPT. An ITE whose collection is unmapped
 * also fails, with UNMAPPED_INTERRUPT (0x010F07) as KVM reports it (IMPDEF: no DISCARD code exists for
 * an unmapped collection; QEMU skips such a command too): the pending state could not be found.
 *
 * <p>The cache entry is invalidated before the pending state is cleared, so an MSI racing DISCARD is
 * either wholly before it (its pending bit is then cleared) or finds no mapping (CVE-2024-26598).
 */
public final class DiscardHandler implements CommandHandler<Command.Discard> {

    @Override
    public Result execute(Command.Discard c, ItsContext its) {
        Lookup.Step<Lookup.Event> event = Lookup.event(its, c, c.deviceId(), c.eventId());
        if (event.failed()) {
            return event.failure();
        }
        Lookup.Step<Redistributor> rd = Lookup.collection(its, c, event.value().ite().icid(),
            ErrorCodes.UNMAPPED_INTERRUPT, ErrorCodes.UNMAPPED_INTERRUPT);
        if (rd.failed()) {
            return rd.failure();
        }
        its.invalidate(c.deviceId(), c.eventId());
        Result written = Lookup.write(its, "ITE", event.value().iteAddress(), Ite.INVALID.encode());
        if (!(written instanceof Result.Done)) {
            return written;
        }
        rd.value().clearLpiPending((int) event.value().ite().pintid());
        return Result.DONE;
    }
}
