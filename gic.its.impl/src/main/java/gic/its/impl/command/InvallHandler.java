package gic.its.impl.command;

import gic.core.redistributor.Redistributor;

/**
 * INVALL (IHI 0069 "INVALL"): the collection's redistributor re-reads the configuration of all its LPIs.
 * Checks: COLLECTION_OOR, UNMAPPED_COLLECTION.
 */
public final class InvallHandler implements CommandHandler<Command.Invall> {

    @Override
    public Result execute(Command.Invall c, ItsContext its) {
        Lookup.Step<Redistributor> rd = Lookup.collection(its, c, c.icid(), ErrorCodes.COLLECTION_OOR,
            ErrorCodes.UNMAPPED_COLLECTION);
        if (rd.failed()) {
            return rd.failure();
        }
        rd.value().invalidateAllLpis();
        return Result.DONE;
    }
}
