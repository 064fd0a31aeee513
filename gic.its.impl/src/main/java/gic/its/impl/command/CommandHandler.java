package gic.its.impl.command;

/**
 * Executes one kind of command against an ITS. Handlers are stateless; they run under the ITS lock.
 *
 * @param <C> the command they execute
 */
@FunctionalInterface
public interface CommandHandler<C extends Command> {

    Result execute(C command, ItsContext its);
}
