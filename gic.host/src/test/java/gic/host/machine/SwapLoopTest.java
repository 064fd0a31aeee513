package gic.host.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.Gic;
import gic.api.GicProvider;
import gic.api.IccRegister;
import gic.directlpi.impl.DirectLpiGicProvider;
import gic.host.Verdict;
import gic.its.impl.ItsGicProvider;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Live swaps in a loop under full load: every 20 to 50 ms the machine moves to the other provider, and at
 * the end everything raised must have been taken and nothing left pending. The suite runs a short loop
 * (about {@value #SUITE_SWAPS} swaps); {@code -Dgic.host.swapLoops=N} runs N swaps for a long soak.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class SwapLoopTest {

    private static final int SUITE_SWAPS = 120;
    private static final long SETTLE_MS = 10_000;
    /** The default machine (20,000 MSI/s per device), so that MSIs are in flight at every pause. */
    private static final MachineConfig CONFIG = MachineConfig.defaults();

    private final Machine machine = new Machine(CONFIG);

    @AfterEach
    void close() {
        machine.close();
    }

    @Test
    void hundreds_of_swaps_under_load_leave_nothing_pending_and_lose_nothing() throws Exception {
        int swaps = Integer.getInteger("gic.host.swapLoops", SUITE_SWAPS);
        GicProvider its = new ItsGicProvider();
        GicProvider direct = new DirectLpiGicProvider();
        machine.attach(ThreadLocalRandom.current().nextBoolean() ? its : direct);
        for (int i = 0; i < swaps; i++) {
            Thread.sleep(ThreadLocalRandom.current().nextInt(20, 51));
            machine.swapTo(machine.lpiMode().equals(GicProvider.LPI_ITS) ? direct : its);
            if (i % 40 == 39) {
                settleOk("after swap " + (i + 1));
            }
        }
        Thread.sleep(50);
        Verdict v = settleOk("at the end");
        assertEquals(0, v.swapMismatches());
        assertEquals(swaps, machine.stats().swaps());
        assertEquals(List.of(), machine.recentGuestErrors(), "guest errors");
    }

    private Verdict settleOk(String when) {
        Verdict v = machine.settle(SETTLE_MS);
        assertTrue(v.ok(), () -> "verdict " + when + ": " + v + "\n" + diagnose(machine));
        return v;
    }

    /**
     * What a failed settle's problems do not already say (they name the CPUs' lines, masks and LPI
     * configuration bytes): each CPU's ICC_HPPIR1_EL1, a read that makes the GIC re-evaluate, with the line the
     * vCPU sees after it, then the LPI back end's dump.
     */
    static String diagnose(Machine machine) {
        Gic g = machine.gic().orElse(null);
        if (g == null) {
            return "no GIC bound";
        }
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < machine.config().cpus(); c++) {
            b.append(String.format("CPU %d: ICC_HPPIR1_EL1 %d, then %s%n", c, g.cpu(c).read(IccRegister.HPPIR1),
                machine.vcpu(c).describe()));
        }
        return b.append(g.diagnostics()).toString();
    }
}
