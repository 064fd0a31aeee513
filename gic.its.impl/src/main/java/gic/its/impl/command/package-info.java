/**
 * ITS commands: their field layout declared once as data ({@link gic.its.impl.command.CommandField}),
 * the decoded command as a sealed interface of records ({@link gic.its.impl.command.Command}), one
 * handler per command, and the tri-state {@link gic.its.impl.command.Result} (done, error with the
 * architected 24-bit code, stall) that the queue maps to GITS_CREADR.
 */
package gic.its.impl.command;
