package gic.directlpi.impl;

import static gic.core.TestGic.*;
import static gic.directlpi.impl.DirectLpiRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.DirectLpi;
import gic.api.IccRegister;
import gic.api.LpiRange;
import gic.core.GicCore;
import gic.core.TestGic;
import gic.core.TestHost;
import gic.core.TestThreads;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Device threads send MSIs to each LPI's current doorbell while another thread retargets the LPIs back
 * and forth between redistributors (or switches the isolation policy), and one vCPU thread per CPU
 * acknowledges and EOIs (ICC_IAR1_EL1 / ICC_EOIR1_EL1).
 *
 * <p>Exact accounting: every MSI is taken once or coalesced with a still-pending raise of the same LPI,
 * so the number of interrupts taken equals the MSIs minus those the GIC counted as coalesced (at the
 * doorbell or when a retarget met a raise already pending at the new redistributor) minus those it
 * dropped. Nothing is taken more often than raised, nothing raised is left untaken, nothing is left
 * pending. The work is bounded by counts, not time; the timeout only guards against a hang.
 */
class RetargetConcurrencyTest {

    private static final int CPUS = 4;
    private static final int LPIS = 32;
    private static final int DEVICES = 3;
    private static final int MSIS_PER_DEVICE = 20_000;
    /** The device the isolation run never denies. */
    private static final int TRUSTED = 1;
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    private GicCore gic;
    private TestHost host;
    private DirectLpi direct;

    private final AtomicLong seq = new AtomicLong();
    private final AtomicLongArray doorbells = new AtomicLongArray(LPIS);
    private final AtomicLongArray raised = new AtomicLongArray(LPIS);
    private final AtomicLongArray taken = new AtomicLongArray(LPIS);
    private final AtomicLongArray lastRaiseSeq = new AtomicLongArray(LPIS);
    private final AtomicLongArray lastTakeSeq = new AtomicLongArray(LPIS);
    private final AtomicLong retargets = new AtomicLong();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean devicesDone = new AtomicBoolean();
    private final AtomicBoolean allDone = new AtomicBoolean();
    private final AtomicBoolean stop = new AtomicBoolean();
    private boolean isolationRun;

    @AfterEach
    void closeGic() {
        stop.set(true);
        if (gic != null) {
            gic.close();
        }
    }

    @Test
    void msis_racing_retargets_are_each_taken_once_or_coalesced_with_a_pending_raise() {
        setUp();
        assertTimeoutPreemptively(HANG_GUARD, () -> run(this::retargetLoop));

        assertTrue(retargets.get() > 0, "the retargeting thread never ran");
        assertEquals(retargets.get(), counter(gic, "directlpi.retarget"));
        long expected = counter(gic, "directlpi.msi") - counter(gic, "directlpi.msi.coalesced")
            - counter(gic, "directlpi.retarget.coalesced");
        checkAccounting(expected, LPIS);
        assertEquals(0, counter(gic, "guestError"), "no MSI dropped, nothing refused");
    }

    @Test
    void msis_racing_isolation_changes_are_honoured_or_dropped_whole() {
        isolationRun = true;
        setUp();
        assertTimeoutPreemptively(HANG_GUARD, () -> run(this::isolationLoop));

        long dropped = counter(gic, "directlpi.msi.dropped.isolation");
        long expected = counter(gic, "directlpi.msi") - counter(gic, "directlpi.msi.coalesced") - dropped;
        // Only the trusted device's LPIs (the lower half) are never denied, so only they must all be taken.
        checkAccounting(expected, LPIS / 2);
        assertEquals(dropped, counter(gic, "guestError"), "only isolation denials");
    }

    private void setUp() {
        gic = bringUp(TestGic.cpus(CPUS).lenient().create(new DirectLpiGicProvider()));
        host = host(gic);
        direct = gic.directLpi().orElseThrow();
        for (int k = 0; k < LPIS; k++) {
            doorbells.set(k, direct.setLpirAddress(k % CPUS));
        }
    }

    private void run(Runnable changer) throws InterruptedException {
        TestThreads threads = new TestThreads();
        for (int c = 0; c < CPUS; c++) {
            int cpu = c;
            threads.start("vcpu" + c, stop, () -> vcpuLoop(cpu));
        }
        for (int d = 0; d < DEVICES; d++) {
            int deviceId = d;
            threads.start("device" + d, stop, () -> deviceLoop(deviceId));
        }
        threads.start("changer", stop, changer);
        for (int d = 0; d < DEVICES; d++) {
            threads.join("device" + d);
        }
        devicesDone.set(true);
        threads.join("changer");
        allDone.set(true);
        for (int c = 0; c < CPUS; c++) {
            threads.join("vcpu" + c);
        }
        threads.rethrow();
    }

    /**
     * Sends MSIs to random LPIs at their current doorbell. In the isolation run the trusted device
     * ({@link #TRUSTED}) uses the lower half of the LPIs and the others the upper half.
     */
    private void deviceLoop(int deviceId) {
        Random rnd = new Random(100 + deviceId);
        int half = LPIS / 2;
        for (int i = 0; i < MSIS_PER_DEVICE && !stop.get(); i++) {
            int k = !isolationRun ? rnd.nextInt(LPIS)
                : deviceId == TRUSTED ? rnd.nextInt(half) : half + rnd.nextInt(half);
            long address = doorbells.get(k);
            lastRaiseSeq.accumulateAndGet(k, seq.incrementAndGet(), Math::max);
            raised.incrementAndGet(k);
            if (!gic.msi(address, 4, LPI_BASE + k, deviceId)) {
                fail("MSI to 0x" + Long.toHexString(address) + " not taken as a doorbell");
            }
            if ((i & 31) == 0) {
                Thread.yield();
            }
        }
    }

    private void retargetLoop() {
        Random rnd = new Random(7);
        int[] target = new int[LPIS];
        for (int k = 0; k < LPIS; k++) {
            target[k] = k % CPUS;
        }
        while (!devicesDone.get() && !stop.get()) {
            int k = rnd.nextInt(LPIS);
            int to = (target[k] + 1 + rnd.nextInt(CPUS - 1)) % CPUS;
            int kk = k;
            direct.retarget(LPI_BASE + k, target[k], to, address -> doorbells.set(kk, address));
            target[k] = to;
            retargets.incrementAndGet();
            if ((retargets.get() & 7) == 0) {
                Thread.yield();
            }
        }
    }

    private void isolationLoop() {
        List<LpiRange> trustedOnly = List.of(new LpiRange(TRUSTED, LPI_BASE, LPI_BASE + LPIS - 1));
        List<LpiRange> everyone = List.of(new LpiRange(0, LPI_BASE, LPI_BASE + LPIS - 1),
            new LpiRange(1, LPI_BASE, LPI_BASE + LPIS - 1), new LpiRange(2, LPI_BASE, LPI_BASE + LPIS - 1));
        int n = 0;
        while (!devicesDone.get() && !stop.get()) {
            direct.isolate(n++ % 2 == 0 ? trustedOnly : everyone);
            Thread.yield();
        }
    }

    private void vcpuLoop(int cpu) {
        while (!stop.get()) {
            boolean done = allDone.get();
            int id = (int) gic.cpu(cpu).read(IccRegister.IAR1);
            if (id == SPURIOUS) {
                if (done) {
                    return;
                }
                Thread.yield();
                continue;
            }
            long s = seq.incrementAndGet();
            int k = id - LPI_BASE;
            if (k < 0 || k >= LPIS) {
                fail("CPU " + cpu + " acknowledged INTID " + id + ", which nothing raised");
            } else {
                taken.incrementAndGet(k);
                lastTakeSeq.accumulateAndGet(k, s, Math::max);
            }
            gic.cpu(cpu).write(IccRegister.EOIR1, id);
        }
    }

    /** Checks the counts; the first {@code neverDenied} LPIs must have had every raise taken. */
    private void checkAccounting(long expectedTaken, int neverDenied) {
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));
        long totalTaken = 0;
        for (int k = 0; k < LPIS; k++) {
            String name = "LPI " + (LPI_BASE + k);
            assertTrue(taken.get(k) <= raised.get(k), name + ": taken " + taken.get(k) + " > raised " + raised.get(k));
            if (k < neverDenied && raised.get(k) > 0) {
                assertTrue(lastTakeSeq.get(k) > lastRaiseSeq.get(k), name + " raised after its last take, never taken");
            }
            totalTaken += taken.get(k);
        }
        assertEquals(expectedTaken, totalTaken, "taken = MSIs - coalesced - dropped");
        assertEquals((long) DEVICES * MSIS_PER_DEVICE, counter(gic, "directlpi.msi"));
        for (int c = 0; c < CPUS; c++) {
            for (int k = 0; k < LPIS; k++) {
                assertFalse(pending(gic, c, LPI_BASE + k), "CPU " + c + " LPI " + (LPI_BASE + k) + " left pending");
            }
            assertFalse(host.irq(c), "IRQ of CPU " + c);
            assertEquals(0xFF, gic.cpu(c).read(IccRegister.RPR));
        }
    }

    private void fail(String message) {
        if (failures.size() < 50) {
            failures.add(message);
        }
    }
}
