package gic.host.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 7, concurrency: {@link StressRun} (4 vCPUs, 3 devices, a guest kernel issuing ITS commands, a
 * snapshotter, provider swaps ITS ↔ DirectLPI) with exact accounting ({@link Ledger}). Each seed runs
 * {@value #DEFAULT_MILLIS} ms in the suite (longer if a busy host kept it from exercising everything);
 * {@code -Dgic.stress.seconds=N} runs each seed N seconds and {@code -Dgic.stress.seed=S} runs only seed
 * S. The figures go to standard output, prefixed {@code [stress]}.
 *
 * <p>The last two tests plant a bug in a wrapper around the GIC and check that the accounting reports it.
 */
class ConcurrencyStressTest {

    static final long DEFAULT_MILLIS = 1500;

    static LongStream seeds() {
        Long seed = Long.getLong("gic.stress.seed");
        return seed != null ? LongStream.of(seed) : LongStream.of(1, 2);
    }

    private static long millis() {
        Long seconds = Long.getLong("gic.stress.seconds");
        return seconds != null ? seconds * 1000 : DEFAULT_MILLIS;
    }

    private static StressRun.Report run(StressRun.Options options) {
        // a watchdog against hangs only: nothing is asserted on time
        return assertTimeoutPreemptively(Duration.ofMillis(options.millis() + StressRun.EXTRA_MILLIS + 120_000),
            () -> new StressRun(options).run());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void every_mapped_msi_is_taken_once_or_coalesced_through_commands_snapshots_and_provider_swaps(long seed) {
        StressRun.Report r = run(StressRun.Options.of(seed, millis()));
        System.out.println("[stress] " + r);

        assertEquals(List.of(), r.violations(), r.totals.violations + " violations, first ones listed");
        assertEquals(List.of(), r.guestErrors);
        assertEquals(r.pacedRaises, r.pacedTakes, "paced raises are each taken exactly once");
        // the run exercised what it is meant to (it runs on until it has, within a bound)
        assertTrue(r.exercised, "every command, every kind of raise, paced takes and two swaps: " + r);
        assertTrue(r.swaps % 2 == 0 && r.directMsis > 0, "ends on the ITS, after MSIs through GICR_SETLPIR: " + r);
    }

    @Test
    void the_accounting_finds_one_msi_the_gic_swallowed() {
        FaultyGic.Plant plant = new FaultyGic.Plant(FaultyGic.Fault.DROP_MSI, 0x12, 0, 100);
        StressRun.Report r = run(StressRun.Options.of(3, 800).with(plant));
        System.out.println("[stress, planted DROP_MSI] " + r);

        assertTrue(plant.fired() && r.exercised, "the bug was planted");
        assertTrue(r.violations().stream().anyMatch(v -> v.contains("lost")), r.violations().toString());
        assertEquals(r.pacedRaises, r.pacedTakes + 1, "one paced raise was never taken");
    }

    @Test
    void the_accounting_finds_one_interrupt_taken_twice() {
        // the last take of the finite event is repeated: no raise of it can come after, so the duplicate
        // cannot pass for the take of a later raise
        int lpi = StressRun.lpiOf(StressRun.FINITE_EVENT);
        FaultyGic.Plant plant = new FaultyGic.Plant(FaultyGic.Fault.DUPLICATE_TAKE, 0, lpi, StressRun.FINITE_RAISES);
        StressRun.Report r = run(StressRun.Options.of(4, 800).with(plant));
        System.out.println("[stress, planted DUPLICATE_TAKE] " + r);

        assertTrue(plant.fired(), "the bug was planted");
        assertTrue(r.violations().stream().anyMatch(v -> v.startsWith("LPI " + lpi) && v.contains("no raise of its own")),
            r.violations().toString());
        assertTrue(r.violations().stream().anyMatch(v -> v.contains("paced LPI " + lpi + ": 100 raises, 101 takes")),
            r.violations().toString());
    }
}
