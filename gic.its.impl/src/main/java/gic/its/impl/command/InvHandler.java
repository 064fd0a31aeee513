package gic.its.impl.command;

import gic.core.redistributor.Redistributor;

/**
 * INV (IHI 0069 "INV"): the event's LPI's redistributor re-reads its configuration byte from the LPI
 * configuration table. Checks as INT. Completed at once (SYNC has nothing left to wait for).
 */
public final class InvHandler implements CommandHandler<Command.Inv> {

    @Override
    public Result execute(Command.Inv c, ItsContext its) {
        Lookup.Step<Lookup.Event> event = Lookup.event(its, c, c.deviceId(), c.eventId());
        if (event.failed()) {
            return event.failure();
        }
        Lookup.Step<Redistributor> rd = Lookup.collection(its, c, event.value().ite().icid(), ErrorCodes.ITE_INVALID,
            ErrorCodes.ITE_INVALID);
        if (rd.failed()) {
            return rd.failure();
        }
        rd.value().invalidateLpi((int) event.value().ite().pintid());
        return Result.DONE;
    }
}
