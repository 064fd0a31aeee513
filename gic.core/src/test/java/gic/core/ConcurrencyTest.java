package gic.core;

import static gic.core.RegOffsets.*;
import static gic.core.TestGic.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.IccRegister;
import java.time.Duration;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Device threads raise edge SPIs and LPIs while one vCPU thread per CPU acknowledges and EOIs
 * (EOImode 0), sometimes nesting a preempting interrupt. Every raise is either taken exactly once or
 * merged with a raise that was still pending; nothing is lost, invented, or active twice.
 */
class ConcurrencyTest {

    private static final int CPUS = 4;
    private static final int DEVICE_THREADS = 4;
    private static final int RAISES = 200_000;
    private static final int SPI_FIRST = 32;
    private static final int SPIS = 64;
    private static final int LPI_FIRST = 8192;
    private static final int LPIS_PER_CPU = 64;
    /** Keys: SPIs 0..63, then LPIs of CPU c at 64 + 64c + k. */
    private static final int KEYS = SPIS + CPUS * LPIS_PER_CPU;


    private TestHost host;
    private GicCore gic;

    private final AtomicLong seq = new AtomicLong();
    private final AtomicLongArray raised = new AtomicLongArray(KEYS);
    private final AtomicLongArray taken = new AtomicLongArray(KEYS);
    private final AtomicLongArray lastRaiseSeq = new AtomicLongArray(KEYS);
    private final AtomicLongArray lastTakeSeq = new AtomicLongArray(KEYS);
    private final AtomicIntegerArray inHandler = new AtomicIntegerArray(KEYS);
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean raisersDone = new AtomicBoolean();
    private final AtomicBoolean stop = new AtomicBoolean();

    @AfterEach
    void closeGic() {
        stop.set(true);
        if (gic != null) {
            gic.close();
        }
    }

    @Test
    void concurrent_spi_and_lpi_raises_are_each_taken_once_or_merged_with_a_pending_raise() {
        setUpMachine();
        assertTimeoutPreemptively(Duration.ofSeconds(60), this::run);

        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));
        long totalRaised = 0;
        long totalTaken = 0;
        for (int key = 0; key < KEYS; key++) {
            String name = name(key);
            assertTrue(taken.get(key) <= raised.get(key), name + ": taken " + taken.get(key) + " > raised "
                + raised.get(key));
            if (raised.get(key) > 0) {
                assertTrue(taken.get(key) > 0, name + " raised but never taken");
                assertTrue(lastTakeSeq.get(key) > lastRaiseSeq.get(key),
                    name + " was raised after its last take and never taken again");
            } else {
                assertEquals(0, taken.get(key), name + " taken but never raised");
            }
            totalRaised += raised.get(key);
            totalTaken += taken.get(key);
        }
        assertEquals(RAISES, totalRaised);
        assertTrue(totalTaken > 0);

        // Drained: nothing pending, active or signalled anywhere.
        for (int n = 1; n <= SPIS / 32; n++) {
            assertEquals(0, Regs.gicd(gic, GICD_ISPENDR + 4L * n), "SPI pending word " + n);
            assertEquals(0, Regs.gicd(gic, GICD_ISACTIVER + 4L * n), "SPI active word " + n);
        }
        for (int c = 0; c < CPUS; c++) {
            for (int k = 0; k < LPIS_PER_CPU; k++) {
                assertFalse(gic.redistributor(c).isLpiPending(LPI_FIRST + k), "CPU " + c + " LPI " + k);
            }
            assertEquals(0xFF, gic.cpu(c).read(IccRegister.RPR));
            assertEquals(SPURIOUS, gic.cpu(c).read(IccRegister.HPPIR1));
            assertFalse(host.irq(c), "IRQ of CPU " + c);
        }
    }

    private void run() throws InterruptedException {
        TestThreads threads = new TestThreads();
        for (int c = 0; c < CPUS; c++) {
            int cpu = c;
            threads.start("vcpu" + c, stop, () -> vcpuLoop(cpu));
        }
        for (int t = 0; t < DEVICE_THREADS; t++) {
            int id = t;
            threads.start("device" + t, stop, () -> deviceLoop(id));
        }
        for (int t = 0; t < DEVICE_THREADS; t++) {
            threads.join("device" + t);
        }
        raisersDone.set(true);
        for (int c = 0; c < CPUS; c++) {
            threads.join("vcpu" + c);
        }
        threads.rethrow();
    }

    /** Device thread {@code id} owns SPIs 32 + 16id .. 32 + 16id + 15 (one wire, one driver) and raises any LPI. */
    private void deviceLoop(int id) {
        Random rnd = new Random(1000 + id);
        int perThread = RAISES / DEVICE_THREADS;
        for (int i = 0; i < perThread && !stop.get(); i++) {
            if (rnd.nextBoolean()) {
                int intid = SPI_FIRST + 16 * id + rnd.nextInt(16);
                int key = intid - SPI_FIRST;
                beginRaise(key);
                gic.pulseSpi(intid);
            } else {
                int cpu = rnd.nextInt(CPUS);
                int k = rnd.nextInt(LPIS_PER_CPU);
                int key = SPIS + cpu * LPIS_PER_CPU + k;
                beginRaise(key);
                if (!gic.redistributor(cpu).setLpiPending(LPI_FIRST + k)) {
                    fail("LPI " + (LPI_FIRST + k) + " on CPU " + cpu + " dropped with LPIs enabled");
                }
            }
            if ((i & 63) == 0) {
                Thread.yield();
            }
        }
    }

    private void beginRaise(int key) {
        lastRaiseSeq.accumulateAndGet(key, seq.incrementAndGet(), Math::max);
        raised.incrementAndGet(key);
    }

    private void vcpuLoop(int cpu) {
        Random rnd = new Random(cpu);
        while (!stop.get()) {
            boolean done = raisersDone.get();
            int id = (int) gic.cpu(cpu).read(IccRegister.IAR1);
            if (id == SPURIOUS) {
                if (done) {
                    return;
                }
                Thread.yield();
                continue;
            }
            handle(cpu, id, 1, rnd);
        }
    }

    private void handle(int cpu, int id, int depth, Random rnd) {
        long s = seq.incrementAndGet();
        int key = keyOf(cpu, id);
        if (key < 0) {
            fail("CPU " + cpu + " acknowledged INTID " + id + ", which nothing routes to it");
            gic.cpu(cpu).write(IccRegister.EOIR1, id);
            return;
        }
        if (!inHandler.compareAndSet(key, 0, 1)) {
            fail(name(key) + " acknowledged while already in service");
        }
        long t = taken.incrementAndGet(key);
        if (t > raised.get(key)) {
            fail(name(key) + " taken " + t + " times but raised only " + raised.get(key));
        }
        lastTakeSeq.accumulateAndGet(key, s, Math::max);
        if (depth < 4 && rnd.nextInt(4) == 0) {
            int nested = (int) gic.cpu(cpu).read(IccRegister.IAR1);
            if (nested != SPURIOUS) {
                int nk = keyOf(cpu, nested);
                if (nk >= 0 && priority(nk) >= priority(key)) {
                    fail(name(nk) + " (priority " + priority(nk) + ") preempted " + name(key) + " (priority "
                        + priority(key) + ")");
                }
                handle(cpu, nested, depth + 1, rnd);
            }
        }
        inHandler.set(key, 0);
        gic.cpu(cpu).write(IccRegister.EOIR1, id);
    }

    /** The accounting key of INTID {@code id} acknowledged on {@code cpu}, or -1 if it cannot be ours. */
    private static int keyOf(int cpu, int id) {
        if (id >= SPI_FIRST && id < SPI_FIRST + SPIS) {
            return spiTarget(id) == cpu ? id - SPI_FIRST : -1;
        }
        if (id >= LPI_FIRST && id < LPI_FIRST + LPIS_PER_CPU) {
            return SPIS + cpu * LPIS_PER_CPU + (id - LPI_FIRST);
        }
        return -1;
    }

    private static String name(int key) {
        if (key < SPIS) {
            return "SPI " + (SPI_FIRST + key);
        }
        int l = key - SPIS;
        return "LPI " + (LPI_FIRST + l % LPIS_PER_CPU) + " of CPU " + l / LPIS_PER_CPU;
    }

    private static int spiTarget(int intid) {
        return intid % CPUS;
    }

    /** Priorities 0x40..0x98 in steps of 8: every implemented bit is group priority at the minimum BPR. */
    private static int priority(int key) {
        if (key < SPIS) {
            return 0x40 + ((key * 5) % 12) * 8;
        }
        int k = (key - SPIS) % LPIS_PER_CPU;
        return 0x40 + ((k * 7) % 12) * 8;
    }

    private void fail(String message) {
        if (failures.size() < 50) {
            failures.add(message);
        }
    }

    private void setUpMachine() {
        gic = TestGic.cpus(CPUS).spis(SPIS).create();
        host = TestGic.host(gic);
        enableGroups(gic);
        for (int intid = SPI_FIRST; intid < SPI_FIRST + SPIS; intid++) {
            spi(gic, intid).group(1).priority(priority(intid - SPI_FIRST)).edge().routeTo(spiTarget(intid))
                .enable();
        }
        for (int k = 0; k < LPIS_PER_CPU; k++) {
            lpiConfig(gic, LPI_FIRST + k, priority(SPIS + k), true);
        }
        for (int c = 0; c < CPUS; c++) {
            wake(gic, c);
            programLpiTables(gic, c, 15);
            enableLpis(gic, c);
            enableCpuInterface(gic, c, 0xF0, GRP1);
        }
    }
}
