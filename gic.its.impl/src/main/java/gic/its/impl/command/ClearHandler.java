package gic.its.impl.command;

import gic.core.redistributor.Redistributor;

/**
 * CLEAR (IHI 0069 "CLEAR"): removes the event's LPI's pending state at its collection's redistributor.
 * Checks as INT (DEVICE_OOR, UNMAPPED_DEVICE, ID_OOR, UNMAPPED_INTERRUPT, ITE_INVALID), with codes
 * 0x0105xx (see {@link Command.Clear#errorByte()}).
 */
public final class ClearHandler implements CommandHandler<Command.Clear> {

    @Override
    public Result execute(Command.Clear c, ItsContext its) {
        Lookup.Step<Lookup.Event> event = Lookup.event(its, c, c.deviceId(), c.eventId());
        if (event.failed()) {
            return event.failure();
        }
        Lookup.Step<Redistributor> rd = Lookup.collection(its, c, event.value().ite().icid(), ErrorCodes.ITE_INVALID,
            ErrorCodes.ITE_INVALID);
        if (rd.failed()) {
            return rd.failure();
        }
        rd.value().clearLpiPending((int) event.value().ite().pintid());
        return Result.DONE;
    }
}
