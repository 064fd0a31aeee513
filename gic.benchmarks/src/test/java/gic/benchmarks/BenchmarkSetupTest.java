package gic.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.Gic;
import org.junit.jupiter.api.Test;

/**
 * Each benchmark's setup builds the machine it claims and each operation does what its description says
 * (no timing: the benchmarks are run on demand with JMH). Keeps the benchmarks from measuring an error
 * path after a model change.
 */
class BenchmarkSetupTest {

    @Test
    void an_msi_translates_with_and_without_the_cache() {
        MsiBench b = new MsiBench();
        b.setup();
        for (int i = 0; i < 2 * MsiBench.EVENTS; i++) {
            assertTrue(b.translateCached());
            assertTrue(b.translateWalk());
        }
    }

    @Test
    void a_round_trip_takes_the_lpi_on_both_providers() {
        RoundTripBench b = new RoundTripBench();
        b.setup();
        for (int i = 0; i < 3; i++) {
            assertEquals(RoundTripBench.LPI, b.its());
            assertEquals(RoundTripBench.LPI, b.directLpi());
        }
    }

    @Test
    void acknowledge_takes_the_best_lpi_and_raises_it_again() {
        HppiBench b = new HppiBench();
        b.lpis = 64;
        b.setup();
        for (int i = 0; i < 3; i++) {
            assertEquals(Machine.FIRST_LPI, b.acknowledge());
        }
    }

    @Test
    void the_command_mix_runs_every_batch() {
        CommandBench b = new CommandBench();
        b.setup();
        long first = b.mix();
        long second = b.mix();
        assertNotEquals(first, second, "CWRITER moves on by a batch each time");
    }

    @Test
    void a_swap_alternates_between_the_providers() {
        SwapBench b = new SwapBench();
        b.setup();
        String a = ((Machine) b.swap()).gic.lpiMode();
        String c = ((Machine) b.swap()).gic.lpiMode();
        assertNotEquals(a, c);
    }

    @Test
    void each_contention_lane_takes_its_own_lpi() {
        ContentionBench.Shared shared = new ContentionBench.Shared();
        shared.setup();
        ContentionBench bench = new ContentionBench();
        for (int cpu = 0; cpu < 2; cpu++) {
            ContentionBench.Lane lane = new ContentionBench.Lane();
            lane.machine = shared.machine;
            lane.device = cpu;
            lane.cpu = shared.machine.gic.cpu(cpu);
            lane.translater = shared.machine.translater;
            assertEquals(Machine.FIRST_LPI + cpu, bench.scale(lane));
        }
        Gic gic = shared.machine.gic;
        assertEquals(0L, gic.counters().getOrDefault("its0.msi.dropped", 0L));
    }
}
