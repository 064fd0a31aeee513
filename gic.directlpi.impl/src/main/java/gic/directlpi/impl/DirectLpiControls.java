package gic.directlpi.impl;

import gic.api.DirectLpi;
import gic.api.GicConfig;
import gic.api.LpiRange;
import gic.core.GicCore;
import gic.core.redistributor.Redistributor;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * The host side of DirectLPI ({@link DirectLpi}): each redistributor's doorbell address, the retargeting
 * procedure the architecture leaves to software, and the isolation policy switch.
 *
 * <p>Retargeting LPI {@code i} from redistributor A to B, with the device's MSIs arriving at any moment:
 * <ol>
 * <li>the device's doorbell becomes B's GICR_SETLPIR, so every MSI the device writes from then on is
 *     raised at B;</li>
 * <li>with A's and B's monitors held (taken in ascending CPU index, the core's only nesting order), the
 *     pending state moves: the equivalent of GICR_CLRLPIR at A, and, only if {@code i} was pending there,
 *     GICR_SETLPIR at B. Holding both monitors makes it one step: no MSI (it takes the target's monitor)
 *     and no acknowledge (it takes its own CPU's) falls between the clear and the set, so the raise is
 *     neither taken at A after it moved nor lost between the two;</li>
 * <li>GICR_SYNCR of both redistributors, which here is no step: Busy is never 1 (every step completed
 *     within its access).</li>
 * </ol>
 * In step 2 the new redistributor also re-reads the LPI's configuration byte (as GICR_INVLPIR would), since
 * each redistributor caches configuration and the guest's last invalidation went to the old one.
 * An MSI that was on its way to A's old doorbell and lands after step 2 is an ordinary raise at A and is
 * taken on A's CPU, once. An MSI that reached B between steps 1 and 2 coalesces with the moved state.
 */
public final class DirectLpiControls implements DirectLpi {

    private static final Logger LOG = System.getLogger("gic.directlpi");

    private final GicCore gic;
    private final DirectLpiExtension extension;

    DirectLpiControls(GicCore gic, DirectLpiExtension extension) {
        this.gic = gic;
        this.extension = extension;
    }

    @Override
    public long setLpirAddress(int cpu) {
        Objects.checkIndex(cpu, gic.config().cpuCount());
        return gic.config().redistributorBase() + GicConfig.REDISTRIBUTOR_STRIDE * cpu
            + DirectLpiExtension.GICR_SETLPIR;
    }

    @Override
    public boolean retarget(int intid, int fromCpu, int toCpu, LongConsumer doorbell) {
        int n = gic.config().cpuCount();
        Objects.checkIndex(fromCpu, n);
        Objects.checkIndex(toCpu, n);
        Objects.requireNonNull(doorbell, "doorbell");
        extension.counterSet().increment("directlpi.retarget");

        // 1. New doorbell first: from here on the device's MSIs are raised at the new redistributor.
        // Called without any lock held, since it is host code.
        doorbell.accept(setLpirAddress(toCpu));
        if (fromCpu == toCpu) {
            return false;
        }

        // 2. Move the pending state as one step (ascending lock order, as the core's snapshot nests).
        Redistributor from = gic.redistributor(fromCpu);
        Redistributor to = gic.redistributor(toCpu);
        Redistributor first = fromCpu < toCpu ? from : to;
        Redistributor second = fromCpu < toCpu ? to : from;
        boolean moved = false;
        DirectLpiExtension.Ignored refused;
        synchronized (first) {
            synchronized (second) {
                refused = DirectLpiExtension.ignoredBecause(to, intid);
                if (refused == null) {
                    // IMPDEF: each redistributor caches LPI configuration, and the new one may still hold a
                    // byte from before the guest's last change (the guest invalidated at the old one). Re-read
                    // it, as a GICR_INVLPIR there would, so the LPI arrives with its current configuration.
                    to.invalidateLpi(intid);
                }
                if (refused == null && from.clearLpiPending(intid)) {
                    if (to.isLpiPending(intid)) {
                        extension.counterSet().increment("directlpi.retarget.coalesced");
                    }
                    to.setLpiPending(intid);
                    moved = true;
                }
            }
        }

        // 3. GICR_SYNCR of both redistributors: nothing to wait for, since Busy is never 1 here (every write
        // takes full effect within its access; see the GICR_SYNCR declaration in DirectLpiExtension).

        if (refused != null) {
            // IMPDEF: the new redistributor could not hold the LPI, so its pending state (if any) stays at
            // the old one, where it is still taken: nothing is lost. The device's doorbell has moved anyway,
            // as the caller asked, and MSIs to it are dropped until the new redistributor can take them.
            extension.counterSet().increment("directlpi.retarget.refused");
            gic.errors().report(DirectLpiExtension.BLOCK, String.format("retarget of INTID %s from %s to %s:"
                + " the pending state stays at %s because at %s %s", Integer.toUnsignedString(intid),
                from.name(), to.name(), from.name(), to.name(), refused.explanation()));
        } else if (moved) {
            extension.counterSet().increment("directlpi.retarget.moved");
        }
        return moved;
    }

    @Override
    public void isolate(Collection<LpiRange> allowed) {
        IsolationPolicy policy = IsolationPolicy.of(List.copyOf(allowed));
        extension.setIsolation(policy);
        extension.counterSet().increment("directlpi.isolation.changes");
        LOG.log(Level.DEBUG, "DirectLPI isolation on: {0}", policy);
    }

    @Override
    public void isolationOff() {
        extension.setIsolation(null);
        extension.counterSet().increment("directlpi.isolation.changes");
        LOG.log(Level.DEBUG, "DirectLPI isolation off");
    }

    @Override
    public boolean isolated() {
        return extension.isolationPolicy() != null;
    }
}
