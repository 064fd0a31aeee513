package gic.its.impl.command;

import gic.core.redistributor.Redistributor;

/**
 * INT (IHI 0069 "INT"): makes the event's LPI pending at its collection's redistributor, exactly as a
 * GITS_TRANSLATER write would. Checks: DEVICE_OOR, UNMAPPED_DEVICE, ID_OOR, UNMAPPED_INTERRUPT,
 * ITE_INVALID (the ITE's collection is unmapped). The pending state is latched even if the LPI is
 * disabled in the configuration table; it is dropped (and counted) if that redistributor has
 * GICR_CTLR.EnableLPIs = 0.
 */
public final class IntHandler implements CommandHandler<Command.Int> {

    @Override
    public Result execute(Command.Int c, ItsContext its) {
        Lookup.Step<Lookup.Event> event = Lookup.event(its, c, c.deviceId(), c.eventId());
        if (event.failed()) {
            return event.failure();
        }
        Lookup.Step<Redistributor> rd = Lookup.collection(its, c, event.value().ite().icid(), ErrorCodes.ITE_INVALID,
            ErrorCodes.ITE_INVALID);
        if (rd.failed()) {
            return rd.failure();
        }
        if (!rd.value().setLpiPending((int) event.value().ite().pintid())) {
            its.intDropped(c, rd.value());
        }
        return Result.DONE;
    }
}
