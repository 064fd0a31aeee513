package gic.its.impl.command;

/**
 * CLEAR (IHI 0069 "CLEAR"): removes the event's LPI's pending state at its collection's redistributor.
 * Checks as INT (DEVICE_OOR, UNMAPPED_DEVICE, ID_OOR, UNMAPPED_INTERRUPT, ITE_INVALID), with codes
 * 0x0105xx (see {@link Command.Clear#errorByte()}).
 */
public final class ClearHandler implements CommandHandler<Command.Clear> {

    @Override
    public Result execute(Command.Clear c, ItsContext its) {
        Lookup.Step<Lookup.Target> t = Lookup.target(its, c);
        if (t.failed()) {
            return t.failure();
        }
        t.value().rd().clearLpiPending(t.value().pintid());
        return Result.DONE;
    }
}
