package gic.its.impl.command;

/**
 * What a command did: {@link Done}; {@link Error}, a command error with its 24-bit code (the error
 * policy decides whether the queue skips it or stalls on it); or {@link Stall}, a guest memory fault
 * reading or writing a table, which always stops the queue at this command.
 */
public sealed interface Result {

    /** The command completed. */
    Done DONE = new Done();

    /** The command completed (possibly with no effect, as SYNC). */
    record Done() implements Result {
    }

    /**
     * IHI 0069 command error: the command had no effect.
     *
     * @param code    0x01 ‖ command byte ‖ cause ({@link ErrorCodes})
     * @param message what was wrong, for the guest-error log
     */
    record Error(int code, String message) implements Result {
    }

    /**
     * A guest memory access the command needed failed (outside RAM): the queue stalls here whatever the
     * error policy, and GITS_CWRITER.Retry re-executes the command.
     *
     * @param message what failed
     */
    record Stall(String message) implements Result {
    }

    /** A command error of {@code command} with cause byte {@code cause}. */
    static Result error(Command command, int cause, String message) {
        return new Error(ErrorCodes.code(command.errorByte(), cause), message);
    }

    /** A memory fault at {@code address} while accessing {@code what}. */
    static Result fault(String what, long address) {
        return new Stall(what + " at 0x" + Long.toHexString(address) + " is outside guest RAM");
    }
}
