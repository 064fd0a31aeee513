package gic.directlpi.impl.fuzz;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.core.fuzz.FuzzSettings;
import gic.core.fuzz.FuzzStats;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Hostile guests against the DirectLPI provider: the quick run of the normal suite (fixed seeds) or, with
 * {@code -Dgic.fuzz.ops=N [-Dgic.fuzz.seed=S]}, the long mode. Every fourth seed is a benign guest, whose
 * GIC must never ask for memory outside RAM. See {@link DirectLpiFuzzer} and
 * {@link gic.core.fuzz.GuestFuzzer} for the operations and the invariants.
 */
class DirectLpiFuzzTest {

    static final long[] QUICK_SEEDS = {1, 2, 3, 4, 5};
    static final long QUICK_OPS = Long.getLong("gic.fuzz.quickOps", 100_000);
    /** A run before the measured ones, without the allocation check (first runs of code paths load classes). */
    static final long WARM_UP_SEED = 1_000_003;
    static final long WARM_UP_OPS = 10_000;

    @Test
    void no_guest_crashes_the_host_escapes_ram_or_the_work_bound_or_breaks_a_snapshot() {
        FuzzSettings settings = FuzzSettings.fromSystemProperties(QUICK_SEEDS, QUICK_OPS);
        FuzzStats total = new FuzzStats();
        long started = System.nanoTime();
        DirectLpiFuzzer.of(WARM_UP_SEED, true).warmUp(WARM_UP_OPS);
        for (int i = 0; i < settings.seeds().length; i++) {
            long seed = settings.seeds()[i];
            long ops = settings.opsFor(i);
            DirectLpiFuzzer f = DirectLpiFuzzer.of(seed, seed % 4 != 0);
            // A watchdog against hangs, not a performance figure: a run takes seconds.
            FuzzStats stats = assertTimeoutPreemptively(Duration.ofSeconds(120 + ops / 500), () -> f.run(ops),
                f::describeCurrent);
            System.out.printf("DirectLPI fuzz seed %d (%s): %s%n  time by operation: %s%n", seed, f.describe(), stats,
                stats.timeByOperation());
            System.out.printf("  doorbell MSIs %,d (coalesced %,d, dropped %,d), SETLPIR %,d, CLRLPIR %,d, INVLPIR %,d,"
                    + " INVALLR %,d, retargets %,d (moved %,d)%n", stats.counter("directlpi.msi"),
                stats.counter("directlpi.msi.coalesced"), stats.counter(".msi.dropped.isolation")
                    + stats.counter(".msi.dropped.lpisDisabled") + stats.counter(".msi.dropped.outOfRange")
                    + stats.counter(".msi.dropped.badSize"), stats.counter("directlpi.setlpir"),
                stats.counter("directlpi.clrlpir"), stats.counter("directlpi.invlpir"),
                stats.counter("directlpi.invallr"), stats.counter("directlpi.retarget"),
                stats.counter("directlpi.retarget.moved"));
            total.add(stats);
            if (Boolean.getBoolean("gic.fuzz.verbose")) {
                System.out.println("  counters " + stats.counters);
            }
        }
        System.out.printf("DirectLPI fuzz total over %d seeds in %.1f s: %s%n", settings.seeds().length,
            (System.nanoTime() - started) / 1e9, total);
        assertTrue(total.counter("directlpi.msi") > 0 && total.counter("directlpi.setlpir") > 0,
            "the DirectLPI registers and doorbells were exercised");
    }
}
