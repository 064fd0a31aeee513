package gic.its.impl.command;

import gic.core.redistributor.Redistributor;

/**
 * MOVALL (IHI 0069 "MOVALL"): moves the pending state of every LPI pending at RDbase1 to RDbase2.
 * Either RDbase naming no redistributor → PROCNUM_OOR (0x010E01). RDbase1 = RDbase2 is a successful
 * no-op. Collections are not changed (software remaps them with MAPC). Invalidates the whole cache.
 *
 * <p>The move is one step under both redistributors' monitors
 * ({@link Redistributor#movePendingLpisTo}): none is lost or duplicated, and its cost is one pass over
 * the pending bitmap, not one lock per LPI. IMPDEF: if either redistributor has GICR_CTLR.EnableLPIs = 0
 * nothing moves (CONSTRAINED UNPREDICTABLE; the pending state stays at the source, as QEMU does); an
 * LPI beyond the target's GICR_PROPBASER.IDbits range stays at the source.
 */
public final class MovallHandler implements CommandHandler<Command.Movall> {

    @Override
    public Result execute(Command.Movall c, ItsContext its) {
        Redistributor from = its.redistributorAt(c.rdbase1());
        Redistributor to = its.redistributorAt(c.rdbase2());
        if (from == null || to == null) {
            return Result.error(c, ErrorCodes.MOVALL_PROCNUM_OOR, "RDbase 0x"
                + Lookup.hex(from == null ? c.rdbase1() : c.rdbase2()) + " names no redistributor");
        }
        if (from != to) {
            its.invalidateAll();
            from.movePendingLpisTo(to);
        }
        return Result.DONE;
    }
}
