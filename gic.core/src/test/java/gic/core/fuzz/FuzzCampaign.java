package gic.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.function.Function;

/**
 * One provider's fuzz test, quick or long: a warm-up run, then every seed of the settings in turn, each
 * reported on standard output. Every fourth seed is a benign guest, whose GIC must never ask for memory
 * outside RAM; the others are hostile.
 */
public final class FuzzCampaign {

    /** A run before the measured ones, without the allocation check (first runs of code paths load classes). */
    private static final long WARM_UP_SEED = 1_000_003;
    private static final long WARM_UP_OPS = 10_000;

    /** Makes the fuzzer of one seed. */
    @FunctionalInterface
    public interface Fuzzers {
        GuestFuzzer of(long seed, boolean hostile);
    }

    private FuzzCampaign() {
    }

    /**
     * Runs the campaign and returns the totals.
     *
     * @param provider  the provider's name in the report
     * @param details   provider-specific figures of a run, for the report
     */
    public static FuzzStats run(String provider, FuzzSettings settings, Fuzzers fuzzers,
                                Function<FuzzStats, String> details) {
        FuzzStats total = new FuzzStats();
        long started = System.nanoTime();
        fuzzers.of(WARM_UP_SEED, true).warmUp(WARM_UP_OPS);
        for (int i = 0; i < settings.seeds().length; i++) {
            long seed = settings.seeds()[i];
            long ops = settings.opsFor(i);
            GuestFuzzer f = fuzzers.of(seed, seed % 4 != 0);
            // A watchdog against hangs, not a performance figure: a run takes seconds.
            FuzzStats stats = assertTimeoutPreemptively(Duration.ofSeconds(120 + ops / 500), () -> f.run(ops),
                f::describeCurrent);
            System.out.printf("%s fuzz seed %d (%s): %s%n  time by operation: %s%n  %s%n", provider, seed,
                f.describe(), stats, stats.timeByOperation(), details.apply(stats));
            if (Boolean.getBoolean("gic.fuzz.verbose")) {
                System.out.println("  counters " + stats.counters);
            }
            total.add(stats);
        }
        System.out.printf("%s fuzz total over %d seeds in %.1f s: %s%n  %s%n", provider, settings.seeds().length,
            (System.nanoTime() - started) / 1e9, total, details.apply(total));
        return total;
    }
}
