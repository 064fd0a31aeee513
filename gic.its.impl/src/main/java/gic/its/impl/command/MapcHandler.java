package gic.its.impl.command;

import gic.core.redistributor.Redistributor;
import gic.its.impl.table.Cte;
import gic.its.impl.table.Slot;

/**
 * MAPC (IHI 0069 "MAPC"): V = 1 maps collection ICID to the redistributor RDbase names, V = 0 unmaps
 * it. Checks: ICID outside the collection table → COLLECTION_OOR; V = 1 and RDbase naming no
 * redistributor → PROCNUM_OOR (V = 0 never looks at RDbase). The CTE stores the processor number,
 * whatever GITS_TYPER.PTA.
 *
 * <p>Remapping a collection does not move pending LPIs (software uses MOVALL for that). Invalidates the
 * whole translation cache (V = 0 and remap alike).
 */
public final class MapcHandler implements CommandHandler<Command.Mapc> {

    @Override
    public Result execute(Command.Mapc c, ItsContext its) {
        Lookup.Step<Slot.At> slot = Lookup.collectionSlot(its, c, c.icid());
        if (slot.failed()) {
            return slot.failure();
        }
        Cte cte = Cte.INVALID;
        if (c.valid()) {
            Redistributor rd = its.redistributorAt(c.rdbase());
            if (rd == null) {
                return Result.error(c, ErrorCodes.PROCNUM_OOR, "RDbase 0x" + Lookup.hex(c.rdbase())
                    + " names no redistributor");
            }
            cte = new Cte(true, rd.index(), c.icid());
        }
        its.invalidateAll();
        Result written = Lookup.write(its, "collection table entry", slot.value().address(), cte.encode());
        if (c.valid() && written instanceof Result.Done) {
            // IMPDEF: the collection's LPIs may now arrive at a redistributor that cached their
            // configuration long ago; it re-reads the whole property table (once per MAPC, which Linux
            // issues once per CPU at bring-up and follows with INVALL anyway).
            its.redistributorAt(c.rdbase()).invalidateAllLpis();
        }
        return written;
    }
}
