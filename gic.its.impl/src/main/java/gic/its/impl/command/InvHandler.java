package gic.its.impl.command;

/**
 * INV (IHI 0069 "INV"): the event's LPI's redistributor re-reads its configuration byte from the LPI
 * configuration table. Checks as INT. Completed at once (SYNC has nothing left to wait for).
 */
public final class InvHandler implements CommandHandler<Command.Inv> {

    @Override
    public Result execute(Command.Inv c, ItsContext its) {
        Lookup.Step<Lookup.Target> t = Lookup.target(its, c);
        if (t.failed()) {
            return t.failure();
        }
        t.value().rd().invalidateLpi(t.value().pintid());
        return Result.DONE;
    }
}
