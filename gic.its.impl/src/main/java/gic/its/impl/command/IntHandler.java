package gic.its.impl.command;

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
        Lookup.Step<Lookup.Target> t = Lookup.target(its, c);
        if (t.failed()) {
            return t.failure();
        }
        if (!t.value().rd().setLpiPending(t.value().pintid())) {
            its.pendingDropped(c, t.value().rd());
        }
        return Result.DONE;
    }
}
