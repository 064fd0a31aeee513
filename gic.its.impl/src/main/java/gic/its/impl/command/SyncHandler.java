package gic.its.impl.command;

/**
 * SYNC (IHI 0069 "SYNC"): every earlier command already took effect when it was processed, so SYNC
 * completes at once, for any RDbase (even one naming no redistributor: a SYNC must never hang the queue).
 */
public final class SyncHandler implements CommandHandler<Command.Sync> {

    @Override
    public Result execute(Command.Sync c, ItsContext its) {
        return Result.DONE;
    }
}
