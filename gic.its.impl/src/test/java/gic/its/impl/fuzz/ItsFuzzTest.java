package gic.its.impl.fuzz;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.core.fuzz.FuzzSettings;
import gic.core.fuzz.FuzzStats;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Hostile guests against the ITS provider: the quick run of the normal suite (fixed seeds, 600,000
 * operations) or, with {@code -Dgic.fuzz.ops=N [-Dgic.fuzz.seed=S]}, the long mode. Every fourth seed
 * is a benign guest, whose GIC must never ask for memory outside RAM. See {@link ItsFuzzer} and
 * {@link gic.core.fuzz.GuestFuzzer} for the operations and the invariants.
 */
class ItsFuzzTest {

    static final long[] QUICK_SEEDS = {1, 2, 3, 4, 5, 6, 7, 8};
    static final long QUICK_OPS = Long.getLong("gic.fuzz.quickOps", 62_500);
    /** A run before the measured ones, without the allocation check (first runs of code paths load classes). */
    static final long WARM_UP_SEED = 1_000_003;
    static final long WARM_UP_OPS = 10_000;

    @Test
    void no_guest_crashes_the_host_escapes_ram_or_the_work_bound_or_breaks_a_snapshot() {
        FuzzSettings settings = FuzzSettings.fromSystemProperties(QUICK_SEEDS, QUICK_OPS);
        FuzzStats total = new FuzzStats();
        long started = System.nanoTime();
        ItsFuzzer.of(WARM_UP_SEED, true).warmUp(WARM_UP_OPS);
        for (int i = 0; i < settings.seeds().length; i++) {
            long seed = settings.seeds()[i];
            long ops = settings.opsFor(i);
            ItsFuzzer f = ItsFuzzer.of(seed, seed % 4 != 0);
            // A watchdog against hangs, not a performance figure: a run takes seconds.
            FuzzStats stats = assertTimeoutPreemptively(Duration.ofSeconds(120 + ops / 500), () -> f.run(ops),
                f::describeCurrent);
            System.out.printf("ITS fuzz seed %d (%s): %s%n  time by operation: %s%n", seed, f.describe(), stats,
                stats.timeByOperation());
            total.add(stats);
            System.out.printf("  ITS commands %,d (errors %,d, stalls %,d), MSIs %,d (dropped %,d: device %,d,"
                    + " event %,d, collection %,d, memory %,d)%n", stats.counter(".command"),
                stats.counter(".commandError"), stats.counter(".stall"), stats.counter(".msi"),
                stats.counter(".msi.dropped"), stats.counter(".dropped.device"), stats.counter(".dropped.event"),
                stats.counter(".dropped.collection"), stats.counter(".dropped.memory"));
            if (Boolean.getBoolean("gic.fuzz.verbose")) {
                System.out.println("  counters " + stats.counters);
            }
        }
        System.out.printf("ITS fuzz total over %d seeds in %.1f s: %s; ITS commands %,d, command errors %,d,"
                + " stalls %,d, MSIs %,d (dropped %,d)%n", settings.seeds().length, (System.nanoTime() - started) / 1e9,
            total, total.counter(".command"), total.counter(".commandError"), total.counter(".stall"),
            total.counter(".msi"), total.counter(".msi.dropped"));
        assertTrue(total.counter(".command") > 0 && total.counter(".msi") > 0, "the ITSes were exercised");
    }
}
