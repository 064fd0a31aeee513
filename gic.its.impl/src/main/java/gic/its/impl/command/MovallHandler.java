package gic.its.impl.command;

import gic.core.redistributor.Redistributor;

/**
 * MOVALL (IHI 0069 "MOVALL"): moves the pending state of every LPI pending at RDbase1 to RDbase2.
 * Either RDbase naming no redistributor → PROCNUM_OOR (0x010E01). RDbase1 = RDbase2 is a successful
 * no-op. Collections are not changed (software remaps them with MAPC). Invalidates the whole cache.
 *
 * <p>The source's pending LPIs are taken in one step under its monitor
 * ({@link Redistributor#takeAllPendingLpis()}) and then set at the target: none is lost or duplicated.
 * IMPDEF: if the target has GICR_CTLR.EnableLPIs = 0 the command does nothing (CONSTRAINED UNPREDICTABLE;
 * the pending state stays at the source, as QEMU does).
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
        if (from == to) {
            return Result.DONE;
        }
        its.invalidateAll();
        boolean targetTakesLpis;
        synchronized (to) {
            targetTakesLpis = to.lpisEnabled();
        }
        if (!targetTakesLpis) {
            return Result.DONE;
        }
        long[] moved = from.takeAllPendingLpis();
        if (moved.length > 0) {
            // As in MOVI: the target re-reads the configuration of the LPIs it receives.
            to.invalidateAllLpis();
        }
        for (long intid : moved) {
            to.setLpiPending((int) intid);
        }
        return Result.DONE;
    }
}
