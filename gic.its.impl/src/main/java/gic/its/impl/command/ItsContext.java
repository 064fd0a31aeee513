package gic.its.impl.command;

import gic.core.redistributor.Redistributor;
import gic.its.impl.table.ItsTables;

/**
 * What a command handler may use of its ITS. Handlers run under the ITS lock; the redistributor entry
 * points they call take the redistributor's monitor (lock order ITS lock → redistributor monitor).
 *
 * <p>Rule for every handler: invalidate the translation cache <em>before</em> touching pending state,
 * so that an MSI racing the command is ordered wholly before or after it (see
 * {@code gic.its.impl.TranslationCache}).
 */
public interface ItsContext {

    /** The ITS's tables as its BASERs describe them now. */
    ItsTables tables();

    /**
     * The redistributor a command's RDbase field names: with GITS_TYPER.PTA = 0 the field is a processor
     * number, with PTA = 1 it is PA[51:16] of the redistributor's RD_base frame. {@code null} if none.
     */
    Redistributor redistributorAt(long rdbase);

    /** The redistributor with processor number {@code processor}, or {@code null}. */
    Redistributor redistributor(long processor);

    /** Drops the cached translation of ({@code deviceId}, {@code eventId}). */
    void invalidate(long deviceId, long eventId);

    /** Drops every cached translation of this ITS. */
    void invalidateAll();

    /**
     * {@code command} (INT, MOVI) could not make its LPI pending at {@code target}, whose EnableLPIs is 0
     * or whose IDbits range excludes it: counted and logged, not a command error.
     */
    void pendingDropped(Command command, Redistributor target);
}
