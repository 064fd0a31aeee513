package gic.its.impl.command;

/**
 * Any opcode that is not a GICv3 physical command (undefined numbers and the GICv4 virtual commands,
 * which this ITS does not implement: GITS_TYPER.Virtual = 0). IMPDEF: a command error
 * 0x01 ‖ opcode ‖ 0xFF, so the error policy applies to it like to any other error.
 */
public final class UnknownHandler implements CommandHandler<Command.Unknown> {

    @Override
    public Result execute(Command.Unknown c, ItsContext its) {
        return Result.error(c, ErrorCodes.UNKNOWN_COMMAND, String.format("unknown command 0x%02X", c.opcode()));
    }
}
