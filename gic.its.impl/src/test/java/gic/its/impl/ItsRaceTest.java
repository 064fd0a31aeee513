package gic.its.impl;

import static gic.core.TestGic.SPURIOUS;
import static gic.core.TestGic.disableLpis;
import static gic.core.TestGic.drainGroup1;
import static gic.core.TestGic.enableLpis;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.IccRegister;
import gic.core.GicCore;
import gic.core.TestThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MSIs racing commands that change their translation (ITS.md 7: KVM CVE-2024-26598 K1, K3; design
 * "Translation cache": a hit is honoured only under the target redistributor's monitor, commands
 * invalidate before they touch pending state). A device thread sends MSIs, the test thread issues
 * commands, and vCPU threads acknowledge through ICC_IAR1_EL1 / ICC_EOIR1_EL1; the accounting is exact.
 *
 * <p>Every loop is bounded by operation counts; the {@link Timeout}s only catch hangs. Waits for another
 * thread's progress are bounded too ({@link #awaitProgress}), so a lost LPI shows up as a wrong count,
 * not as a hang. The host is strict: no guest error is expected.
 */
class ItsRaceTest {

    private static final int DEV = 5;
    private static final int EV = 1;
    private static final int LPI = 8300;
    /** Yields a pacing wait may spend before it gives up (pacing only: nothing is asserted on it). */
    private static final int PATIENCE = 200_000;

    private GicCore gic;
    private ItsDriver its;
    private final TestThreads workers = new TestThreads();

    @AfterEach
    void tearDown() throws InterruptedException {
        workers.stopAll();
        if (gic != null) {
            gic.close();
        }
    }

    private void start(int cpus) {
        gic = machine(cpus).create(new ItsGicProvider());
        its = new ItsDriver(gic, 0).bringUp();
    }

    /** Spins (yielding) until {@code done} holds or {@link #PATIENCE} yields passed; returns whether it held. */
    private static boolean awaitProgress(BooleanSupplier done) {
        for (int i = 0; i < PATIENCE; i++) {
            if (done.getAsBoolean()) {
                return true;
            }
            Thread.yield();
        }
        return done.getAsBoolean();
    }

    /**
     * A vCPU with nothing to take waits a little (as a guest's WFI would) rather than spin: the test runs
     * more threads than most hosts have cores, and the LPIs also get to stay pending for a while, which is
     * when DISCARD, MOVI and MOVALL have pending state to clear or move.
     */
    private static void idle() {
        LockSupport.parkNanos(20_000);
    }

    /**
     * A vCPU: acknowledges every interrupt it is signalled, counting {@link #LPI} in {@code acks}; any
     * other INTID goes to {@code unexpected}. {@code window} is called with the phase read before and
     * after the acknowledge (see the DISCARD test).
     */
    private Runnable vcpu(int cpu, AtomicLongArray acks, Queue<Integer> unexpected, AtomicLong phase,
                          AtomicLong takenInUnmappedWindow, AtomicBoolean stop) {
        return () -> {
            while (!stop.get()) {
                long before = phase.get();
                int id = (int) gic.cpu(cpu).read(IccRegister.IAR1);
                long after = phase.get();
                if (id == SPURIOUS) {
                    idle();
                    continue;
                }
                if (id == LPI) {
                    acks.incrementAndGet(cpu);
                    if (before == after && (before & 1) == 1) {
                        takenInUnmappedWindow.incrementAndGet();
                    }
                } else {
                    unexpected.add(id);
                }
                gic.cpu(cpu).write(IccRegister.EOIR1, id);
            }
        };
    }

    private static long sum(AtomicLongArray a) {
        long n = 0;
        for (int i = 0; i < a.length(); i++) {
            n += a.get(i);
        }
        return n;
    }

    /** Acknowledges what is left on every CPU from the test thread, counting {@link #LPI}. */
    private void drainAll(AtomicLongArray acks, Queue<Integer> unexpected) {
        for (int c = 0; c < gic.config().cpuCount(); c++) {
            for (int id : drainGroup1(gic, c)) {
                if (id == LPI) {
                    acks.incrementAndGet(c);
                } else {
                    unexpected.add(id);
                }
            }
        }
    }

    private boolean pendingAnywhere(int intid) {
        for (int c = 0; c < gic.config().cpuCount(); c++) {
            if (its.pending(c, intid)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * CVE-2024-26598 pattern: a device floods MSIs of (DEV, EV) while the test thread loops MAPTI ...
     * DISCARD on the same pair, alternating collections. After each DISCARD returned: the LPI is pending
     * nowhere and stays so while the event is unmapped, and no vCPU acknowledges it inside that window.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void msis_racing_discard_and_mapti_are_never_taken_after_the_discard_returned() throws Exception {
        start(2);
        its.mapDevice(DEV, 1);
        int rounds = 1500;
        AtomicBoolean stopDevice = new AtomicBoolean();
        AtomicBoolean stopCpus = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        AtomicLong phase = new AtomicLong(); // odd: DISCARD returned and MAPTI not yet issued
        AtomicLong takenInUnmappedWindow = new AtomicLong();
        AtomicLongArray acks = new AtomicLongArray(2);
        Queue<Integer> unexpected = new ConcurrentLinkedQueue<>();
        workers.start("device", stopDevice, () -> {
            while (!stopDevice.get()) {
                its.msi(DEV, EV);
                sent.incrementAndGet();
            }
        });
        for (int c = 0; c < 2; c++) {
            workers.start("vcpu" + c, stopCpus, vcpu(c, acks, unexpected, phase, takenInUnmappedWindow, stopCpus));
        }

        int pendingAfterDiscard = 0;
        for (int i = 0; i < rounds && !workers.failed(); i++) {
            int icid = i % 2;
            its.post(mapti(DEV, EV, LPI, icid), sync(its.rd(icid)));
            // an MSI that starts after MAPTI returned and ends before DISCARD is translated
            long mapped = sent.get();
            awaitProgress(() -> sent.get() >= mapped + 2);
            its.post(discard(DEV, EV), sync(its.rd(icid)));
            phase.incrementAndGet();
            if (pendingAnywhere(LPI)) {
                pendingAfterDiscard++;
            }
            // MSIs inside the unmapped window are dropped and must not make the LPI pending
            long unmapped = sent.get();
            awaitProgress(() -> sent.get() >= unmapped + 2);
            if (pendingAnywhere(LPI)) {
                pendingAfterDiscard++;
            }
            phase.incrementAndGet();
        }
        workers.stop("device");
        workers.stop("vcpu0", "vcpu1");
        workers.rethrow();
        drainAll(acks, unexpected);

        assertEquals(0, pendingAfterDiscard, "LPI pending after its DISCARD returned");
        assertEquals(0, takenInUnmappedWindow.get(), "LPI acknowledged after its DISCARD returned");
        assertEquals(List.of(), List.copyOf(unexpected));
        assertFalse(pendingAnywhere(LPI), "the event ends unmapped: nothing may stay pending");
        assertEquals(0, its.ite(DEV, EV), "DISCARD left a zero ITE");
        long translated = its.counter("msi") - its.counter("msi.dropped");
        assertEquals(sent.get(), its.counter("msi"));
        assertTrue(sum(acks) <= translated, "taken " + sum(acks) + " times for " + translated + " translated MSIs");
        assertEquals(its.counter("msi.dropped"), its.counter("msi.dropped.event"), "only unmapped-event drops");
        assertEquals(0, its.its().errorCount());
        assertEquals(2L * rounds, its.counter("command.DISCARD") + its.counter("command.MAPTI"));
    }

    /**
     * MOVI back and forth between two collections while one MSI at a time is in flight: each raise is
     * acknowledged exactly once, on one CPU or the other (MOVI neither loses nor duplicates pending state).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void movi_back_and_forth_never_loses_or_doubles_a_pending_lpi() throws Exception {
        start(2);
        its.mapDevice(DEV, 1);
        its.mapEvent(DEV, EV, LPI, 0);
        int moves = 4000;
        AtomicBoolean commandsDone = new AtomicBoolean();
        AtomicBoolean stopCpus = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        AtomicLong overshoot = new AtomicLong();
        AtomicLongArray acks = new AtomicLongArray(2);
        Queue<Integer> unexpected = new ConcurrentLinkedQueue<>();
        workers.start("device", commandsDone, () -> {
            // one raise in flight: the next MSI only after the previous one was acknowledged, so no two
            // raises coalesce and acknowledgements must equal MSIs exactly
            while (!commandsDone.get()) {
                its.msi(DEV, EV);
                long n = sent.incrementAndGet();
                while (sum(acks) < n && !commandsDone.get()) {
                    Thread.yield();
                }
                if (sum(acks) > n) {
                    overshoot.compareAndSet(0, n);
                    return;
                }
            }
        });
        for (int c = 0; c < 2; c++) {
            workers.start("vcpu" + c, stopCpus, vcpu(c, acks, unexpected, new AtomicLong(), new AtomicLong(), stopCpus));
        }

        for (int i = 0; i < moves && !workers.failed(); i++) {
            int icid = (i + 1) % 2;
            long before = sent.get();
            its.post(movi(DEV, EV, icid), sync(its.rd(icid)));
            awaitProgress(() -> sent.get() > before || overshoot.get() != 0);
        }
        commandsDone.set(true);
        workers.stop("device");
        workers.stop("vcpu0", "vcpu1");
        workers.rethrow();
        drainAll(acks, unexpected);

        assertEquals(0, overshoot.get(), "acknowledged more often than raised, first at raise " + overshoot.get());
        assertEquals(sent.get(), sum(acks), "every raise acknowledged exactly once (CPU0 " + acks.get(0) + ", CPU1 "
            + acks.get(1) + ")");
        assertTrue(sent.get() > 0);
        assertEquals(List.of(), List.copyOf(unexpected));
        assertFalse(pendingAnywhere(LPI));
        assertEquals(0, its.counter("msi.dropped"));
        assertEquals(iteValue(LPI, moves % 2), its.ite(DEV, EV), "the ITE names the last MOVI's collection");
        assertEquals(0, its.its().errorCount());
    }

    /**
     * MOVALL RD0 → RD1 racing MSIs of four events whose collection stays on CPU 0, which never
     * acknowledges: CPU 1 takes each raise exactly once, after a MOVALL brought it over; nothing is lost
     * in the source's take-all or duplicated at the target, and a cache hit racing MOVALL is either moved
     * or left pending at RD0 for the next MOVALL.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void movall_racing_msis_moves_every_pending_lpi_exactly_once() throws Exception {
        start(2);
        int events = 4;
        its.mapDevice(DEV, 2);
        for (int ev = 0; ev < events; ev++) {
            its.mapEvent(DEV, ev, LPI + ev, 0);
        }
        int rounds = 3000;
        AtomicBoolean commandsDone = new AtomicBoolean();
        AtomicBoolean stopCpu = new AtomicBoolean();
        AtomicLong sentRounds = new AtomicLong();
        AtomicLongArray acks = new AtomicLongArray(events);
        Queue<Integer> unexpected = new ConcurrentLinkedQueue<>();
        IntPredicate allAcked = n -> {
            for (int ev = 0; ev < events; ev++) {
                if (acks.get(ev) < n) {
                    return false;
                }
            }
            return true;
        };
        workers.start("device", commandsDone, () -> {
            while (!commandsDone.get()) {
                for (int ev = 0; ev < events; ev++) {
                    its.msi(DEV, ev);
                }
                int n = (int) sentRounds.incrementAndGet();
                while (!allAcked.test(n) && !commandsDone.get()) {
                    Thread.yield();
                }
            }
        });
        workers.start("vcpu1", stopCpu, () -> {
            while (!stopCpu.get()) {
                int id = (int) gic.cpu(1).read(IccRegister.IAR1);
                if (id == SPURIOUS) {
                    idle();
                    continue;
                }
                if (id >= LPI && id < LPI + events) {
                    acks.incrementAndGet(id - LPI);
                } else {
                    unexpected.add(id);
                }
                gic.cpu(1).write(IccRegister.EOIR1, id);
            }
        });

        for (int i = 0; i < rounds && !workers.failed(); i++) {
            long before = sentRounds.get();
            if (i % 3 == 2) {
                its.post(movall(its.rd(1), its.rd(0)), movall(its.rd(0), its.rd(1)), sync(its.rd(1)));
            } else {
                its.post(movall(its.rd(0), its.rd(1)), sync(its.rd(1)));
            }
            awaitProgress(() -> sentRounds.get() > before);
        }
        commandsDone.set(true);
        workers.stop("device");
        its.post(movall(its.rd(0), its.rd(1)), sync(its.rd(1))); // the device is quiet: bring over the rest
        workers.stop("vcpu1");
        workers.rethrow();
        List<Integer> leftAtCpu0 = drainGroup1(gic, 0);
        for (int id : drainGroup1(gic, 1)) {
            if (id >= LPI && id < LPI + events) {
                acks.incrementAndGet(id - LPI);
            } else {
                unexpected.add(id);
            }
        }

        assertEquals(List.of(), leftAtCpu0, "the last MOVALL left LPIs at RD0");
        List<Long> expected = new ArrayList<>();
        List<Long> actual = new ArrayList<>();
        for (int ev = 0; ev < events; ev++) {
            expected.add(sentRounds.get());
            actual.add(acks.get(ev));
        }
        assertEquals(expected, actual, "acknowledgements per event = raises per event");
        assertTrue(sentRounds.get() > 0);
        assertEquals(List.of(), List.copyOf(unexpected));
        assertEquals(0, its.counter("msi.dropped"));
        assertEquals(0, its.its().errorCount());
        assertEquals(cteValue(0, 0), its.cte(0), "MOVALL leaves the collections alone");
    }

    /**
     * ITS.md 7 K2 (CVE-2026-46316): the three invalidation paths at once: GITS_CTLR.Enabled toggled, EnableLPIs
     * toggled on both redistributors, DISCARD/MAPTI looping, while MSIs flow and vCPUs acknowledge. Nothing
     * deadlocks or throws, no guest error is reported, no command fails, no acknowledge exceeds the
     * translations, and afterwards the event translates exactly as the final tables say.
     *
     * <p>A DISCARD that reaches a redistributor while its EnableLPIs is 0 cannot clear the bit the
     * redistributor wrote back to its pending table (as GICR_CLRLPIR has no effect then), so the LPI may be
     * pending again after EnableLPIs returns to 1: the test drains it before its final checks.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void toggling_its_enable_and_enable_lpis_during_discard_and_mapti_neither_deadlocks_nor_breaks_translation()
        throws Exception {
        start(2);
        its.mapDevice(DEV, 1);
        AtomicBoolean stopDevice = new AtomicBoolean();
        AtomicBoolean stopCpus = new AtomicBoolean();
        AtomicBoolean stopToggles = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        AtomicLongArray acks = new AtomicLongArray(2);
        Queue<Integer> unexpected = new ConcurrentLinkedQueue<>();
        workers.start("device", stopDevice, () -> {
            while (!stopDevice.get()) {
                its.msi(DEV, EV);
                sent.incrementAndGet();
            }
        });
        for (int c = 0; c < 2; c++) {
            workers.start("vcpu" + c, stopCpus, vcpu(c, acks, unexpected, new AtomicLong(), new AtomicLong(), stopCpus));
        }
        workers.start("its-enable", stopToggles, () -> {
            for (int i = 0; i < 20_000 && !stopToggles.get(); i++) { // each iteration ends enabled
                its.disable();
                Thread.yield();
                its.enable(); // processes what was queued meanwhile
            }
        });
        workers.start("enable-lpis", stopToggles, () -> {
            for (int i = 0; i < 20_000 && !stopToggles.get(); i++) {
                disableLpis(gic, i % 2);
                Thread.yield();
                enableLpis(gic, i % 2); // PTZ was consumed: the written-back pending table is read
            }
        });

        for (int i = 0; i < 1000 && !workers.failed(); i++) {
            if (!awaitProgress(its::drained)) {
                continue; // the ITS is disabled just now: do not fill the queue
            }
            int icid = i % 2;
            its.post(mapti(DEV, EV, LPI, icid), sync(its.rd(icid)), discard(DEV, EV), sync(its.rd(icid)));
        }
        workers.stop("its-enable", "enable-lpis");
        workers.stop("device");
        workers.stop("vcpu0", "vcpu1");
        workers.rethrow();

        assertTrue(its.its().enabled() && gic.redistributor(0).lpisEnabled() && gic.redistributor(1).lpisEnabled());
        assertTrue(its.drained(), "the last enable ran everything queued");
        assertEquals(0, its.its().errorCount());
        assertEquals(0, its.ite(DEV, EV), "the last command was a DISCARD");
        assertEquals(sent.get(), its.counter("msi"));
        drainAll(acks, unexpected);
        assertEquals(List.of(), List.copyOf(unexpected));
        assertTrue(sum(acks) <= its.counter("msi") - its.counter("msi.dropped"));
        // the cache and the tables agree again
        its.mapEvent(DEV, EV, LPI, 1);
        its.msi(DEV, EV);
        assertEquals(List.of(), drainGroup1(gic, 0));
        assertEquals(List.of(LPI), drainGroup1(gic, 1));
        its.post(discard(DEV, EV), sync(its.rd(1)));
        its.msi(DEV, EV);
        assertFalse(pendingAnywhere(LPI));
        assertEquals(List.of(), drainGroup1(gic, 1));
    }
}
