package gic.its.impl.command;

import gic.core.redistributor.Redistributor;
import gic.its.impl.table.Ite;

/**
 * MOVI (IHI 0069 "MOVI"): routes a mapped event through another collection. Checks: DEVICE_OOR,
 * UNMAPPED_DEVICE, ID_OOR, UNMAPPED_INTERRUPT, COLLECTION_OOR (new ICID outside the collection table),
 * UNMAPPED_COLLECTION (old or new collection unmapped).
 *
 * <p>Order matters for racing MSIs: the cache entry is invalidated and the ITE rewritten first, then the
 * pending state moves: if the LPI is pending at the old redistributor it is cleared there (one
 * test-and-clear under that redistributor's monitor) and set at the new one. Nothing is lost or
 * duplicated: an MSI either hit the old entry before the move (and its pending bit moves) or takes the
 * slow path after it.
 */
public final class MoviHandler implements CommandHandler<Command.Movi> {

    @Override
    public Result execute(Command.Movi c, ItsContext its) {
        Lookup.Step<Lookup.Event> event = Lookup.event(its, c, c.deviceId(), c.eventId());
        if (event.failed()) {
            return event.failure();
        }
        Ite old = event.value().ite();
        Lookup.Step<Redistributor> to = Lookup.collection(its, c, c.icid(), ErrorCodes.COLLECTION_OOR,
            ErrorCodes.UNMAPPED_COLLECTION);
        if (to.failed()) {
            return to.failure();
        }
        Lookup.Step<Redistributor> from = Lookup.collection(its, c, old.icid(), ErrorCodes.UNMAPPED_COLLECTION,
            ErrorCodes.UNMAPPED_COLLECTION);
        if (from.failed()) {
            return from.failure();
        }
        its.invalidate(c.deviceId(), c.eventId());
        Result written = Lookup.write(its, "ITE", event.value().iteAddress(), Ite.of(old.pintid(), c.icid()).encode());
        if (!(written instanceof Result.Done)) {
            return written;
        }
        int intid = (int) old.pintid();
        if (from.value() != to.value()) {
            // Each redistributor caches LPI configuration; the guest's last INV of this LPI reached the
            // old one. IMPDEF: the LPI's configuration is re-read at the new redistributor, so a byte
            // it cached earlier cannot keep the moved LPI disabled (Linux sends no INV after MOVI).
            to.value().invalidateLpi(intid);
            if (from.value().clearLpiPending(intid) && !to.value().setLpiPending(intid)) {
                // IMPDEF: if the new redistributor has EnableLPIs = 0 (or a smaller IDbits range) the
                // pending state is dropped there, and counted.
                its.pendingDropped(c, to.value());
            }
        }
        return Result.DONE;
    }
}
