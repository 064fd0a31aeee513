package gic.its.impl.command;

/** Dispatches a decoded command to its handler. */
public final class Handlers {

    private static final MapdHandler MAPD = new MapdHandler();
    private static final MapcHandler MAPC = new MapcHandler();
    private static final MaptiHandler MAPTI = new MaptiHandler();
    private static final MapiHandler MAPI = new MapiHandler();
    private static final MoviHandler MOVI = new MoviHandler();
    private static final MovallHandler MOVALL = new MovallHandler();
    private static final DiscardHandler DISCARD = new DiscardHandler();
    private static final IntHandler INT = new IntHandler();
    private static final ClearHandler CLEAR = new ClearHandler();
    private static final InvHandler INV = new InvHandler();
    private static final InvallHandler INVALL = new InvallHandler();
    private static final SyncHandler SYNC = new SyncHandler();
    private static final UnknownHandler UNKNOWN = new UnknownHandler();

    private Handlers() {
    }

    /** Executes {@code command} against {@code its} (under the ITS lock). */
    public static Result execute(Command command, ItsContext its) {
        if (command instanceof Command.Mapd c) {
            return MAPD.execute(c, its);
        } else if (command instanceof Command.Mapc c) {
            return MAPC.execute(c, its);
        } else if (command instanceof Command.Mapti c) {
            return MAPTI.execute(c, its);
        } else if (command instanceof Command.Mapi c) {
            return MAPI.execute(c, its);
        } else if (command instanceof Command.Movi c) {
            return MOVI.execute(c, its);
        } else if (command instanceof Command.Movall c) {
            return MOVALL.execute(c, its);
        } else if (command instanceof Command.Discard c) {
            return DISCARD.execute(c, its);
        } else if (command instanceof Command.Int c) {
            return INT.execute(c, its);
        } else if (command instanceof Command.Clear c) {
            return CLEAR.execute(c, its);
        } else if (command instanceof Command.Inv c) {
            return INV.execute(c, its);
        } else if (command instanceof Command.Invall c) {
            return INVALL.execute(c, its);
        } else if (command instanceof Command.Sync c) {
            return SYNC.execute(c, its);
        } else {
            return UNKNOWN.execute((Command.Unknown) command, its);
        }
    }
}
