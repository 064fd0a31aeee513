package gic.host.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.Gic;
import gic.api.GicHost;
import gic.api.GicSnapshot;
import gic.api.GuestMemory;
import gic.api.IccRegister;
import gic.core.TestMemory;
import gic.core.TestThreads;
import gic.its.impl.ItsGicProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * ITS.md 7 K1, KVM's CVE-2024-26598: a translation-cache hit racing DISCARD. A device floods MSIs of one
 * (DeviceID, EventID) while the cache is warm; the guest kernel loops MAPTI … DISCARD on that pair
 * (alternating collections, so the cached target changes too); two vCPUs acknowledge. Through the public
 * API only.
 *
 * <p>After each DISCARD returned and until the next MAPTI starts, the LPI must be pending nowhere (a
 * snapshot taken in that window shows it) and no acknowledge may lie wholly inside the window; over the
 * whole run the {@link Ledger} accounts for every MSI; no exception, no guest error, and the cache was
 * really hit. The second test plants a phantom acknowledge inside the window and checks that it is found.
 */
class CacheHitDiscardRaceTest {

    private static final int CPUS = 2;
    private static final int DEV = 0x21;
    private static final int EV = 3;
    private static final int LPI = 8300;
    private static final int ROUNDS = 1000;
    /** Yields a pacing wait spends before it gives up (pacing only: nothing is asserted on it). */
    private static final int PATIENCE = 100_000;

    /** What a run found. */
    private record Found(List<String> violations, long sent, long takes, long cacheHits, long racingDiscard,
                         List<String> guestErrors) {
    }

    @Test
    void an_msi_hitting_the_cache_is_never_taken_after_the_discard_that_unmapped_it_returned() {
        Found f = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> race(null));
        System.out.println("[stress, cache hit vs DISCARD] " + ROUNDS + " rounds: " + f.sent() + " MSIs, " + f.cacheHits()
            + " cache hits, " + f.racingDiscard() + " in flight during a DISCARD, " + f.takes() + " taken, violations "
            + f.violations().size());

        assertEquals(List.of(), f.violations());
        assertEquals(List.of(), f.guestErrors());
        assertTrue(f.cacheHits() > 0, "the translation cache was hit");
        assertTrue(f.takes() > 0);
    }

    @Test
    void the_check_finds_an_lpi_taken_inside_the_unmapped_window() {
        FaultyGic.Plant plant = new FaultyGic.Plant(FaultyGic.Fault.PHANTOM_TAKE, 0, LPI, 0);
        Found f = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> race(plant));

        assertTrue(plant.fired(), "the bug was planted");
        assertTrue(f.violations().stream().anyMatch(v -> v.contains("after its DISCARD returned")), f.violations().toString());
        assertTrue(f.violations().stream().anyMatch(v -> v.contains("no raise of its own")), f.violations().toString());
    }

    private static Found race(FaultyGic.Plant plant) throws Exception {
        TestMemory memory = new TestMemory(GuestDriver.RAM_BASE, GuestDriver.RAM_SIZE);
        Queue<String> guestErrors = new ConcurrentLinkedQueue<>();
        GicHost host = new GicHost() {
            @Override
            public GuestMemory memory() {
                return memory;
            }

            @Override
            public void setIrq(int cpu, boolean asserted) {
            }

            @Override
            public void setFiq(int cpu, boolean asserted) {
            }

            @Override
            public void guestError(String block, String message) {
                guestErrors.add(block + ": " + message);
            }
        };
        Gic real = new ItsGicProvider().create(GuestDriver.config(CPUS), host);
        Gic gic = plant == null ? real : new FaultyGic(real, plant);
        GuestDriver driver = new GuestDriver(gic, memory);
        driver.bringUpGic(new int[] {LPI});
        driver.bringUpIts();
        driver.post(GuestDriver.mapd(DEV, 2, driver.zeroedItt(0), true));

        AtomicLong clock = new AtomicLong();
        Mapping mapping = new Mapping(1, false);
        AtomicLong sent = new AtomicLong();
        Ledger.Log raises = new Ledger.Log();
        Ledger.Log[] takes = {new Ledger.Log(), new Ledger.Log(), new Ledger.Log()};
        Ledger.Log clears = new Ledger.Log();
        List<long[]> windows = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        Queue<String> unexpected = new ConcurrentLinkedQueue<>();
        AtomicBoolean stopDevice = new AtomicBoolean();
        AtomicBoolean stopCpus = new AtomicBoolean();
        TestThreads workers = new TestThreads();
        try {
            workers.start("device", stopDevice, () -> {
                while (!stopDevice.get()) {
                    long before = mapping.read(0);
                    long s = clock.incrementAndGet();
                    gic.msi(driver.its().translaterAddress(), 4, EV, DEV);
                    long e = clock.incrementAndGet();
                    raises.add(0, s, e, Mapping.classify(before, mapping.read(0)).ordinal());
                    if (sent.incrementAndGet() % 16 == 0) {
                        LockSupport.parkNanos(1_000); // bursts of 16: the other threads get the CPU too
                    }
                }
            });
            for (int c = 0; c < CPUS; c++) {
                int cpu = c;
                workers.start("vcpu" + c, stopCpus, () -> {
                    while (!stopCpus.get()) {
                        long a = clock.incrementAndGet();
                        int id = (int) gic.cpu(cpu).read(IccRegister.IAR1);
                        long b = clock.incrementAndGet();
                        if (id == GuestDriver.SPURIOUS) {
                            LockSupport.parkNanos(20_000); // a WFI: the LPI stays pending a while
                            continue;
                        }
                        if (id == LPI) {
                            takes[cpu].add(0, a, b, cpu);
                        } else {
                            unexpected.add("CPU " + cpu + " took INTID " + id);
                        }
                        gic.cpu(cpu).write(IccRegister.EOIR1, id);
                    }
                });
            }

            for (int round = 0; round < ROUNDS && !workers.failed(); round++) {
                int icid = round % CPUS;
                mapping.begin(0, false);
                driver.post(GuestDriver.mapti(DEV, EV, LPI, icid), GuestDriver.sync(icid));
                mapping.end(0, true);
                long mapped = sent.get();
                awaitProgress(() -> sent.get() >= mapped + 3); // the first MSI fills the cache, the next ones hit

                mapping.begin(0, true);
                long s = clock.incrementAndGet();
                driver.post(GuestDriver.discard(DEV, EV), GuestDriver.sync(icid));
                long e = clock.incrementAndGet();
                mapping.end(0, false);
                clears.add(0, s, e, 0);
                long windowStart = clock.incrementAndGet();
                if (round % 8 == 0 && pendingAnywhere(gic.snapshot())) {
                    violations.add("round " + round + ": LPI pending in a snapshot taken after its DISCARD returned");
                }
                if (plant != null && round == ROUNDS / 2) {
                    plant.arm();
                    awaitProgress(plant::fired);
                }
                long unmapped = sent.get();
                awaitProgress(() -> sent.get() >= unmapped + 3); // these are dropped
                windows.add(new long[] {windowStart, clock.incrementAndGet()});
            }
            workers.stop("device");
            workers.stop("vcpu0", "vcpu1");
            workers.rethrow();
            // what the vCPUs left (nothing should be left: the last command was a DISCARD)
            for (int c = 0; c < CPUS; c++) {
                for (int id; (id = (int) gic.cpu(c).read(IccRegister.IAR1)) != GuestDriver.SPURIOUS; ) {
                    violations.add("CPU " + c + " still had INTID " + id + " after the last DISCARD");
                    gic.cpu(c).write(IccRegister.EOIR1, id);
                }
            }

            Ledger.Segment seg = new Ledger(new String[] {"LPI " + LPI}, null).new Segment(0, clock.incrementAndGet());
            seg.raises(raises);
            for (Ledger.Log log : takes) {
                seg.takes(log);
            }
            seg.clears(clears);
            if (pendingAnywhere(gic.snapshot())) {
                seg.pendingAtEnd(0);
            }
            Ledger.Totals totals = new Ledger.Totals();
            seg.check(totals);
            violations.addAll(totals.kept);
            for (Ledger.Log log : takes) {
                for (int k = 0; k < log.size; k++) {
                    for (long[] w : windows) {
                        if (log.from[k] > w[0] && log.to[k] < w[1]) {
                            violations.add(String.format("LPI taken on CPU %d [%d, %d], inside [%d, %d] after its DISCARD"
                                + " returned and before the next MAPTI", log.tag[k], log.from[k], log.to[k], w[0], w[1]));
                        }
                    }
                }
            }
            violations.addAll(unexpected);
            Map<String, Long> counters = real.counters();
            if (counters.getOrDefault("its0.msi", 0L) != sent.get()) {
                violations.add("its0.msi = " + counters.get("its0.msi") + ", but the device sent " + sent.get());
            }
            if (counters.getOrDefault("its0.commandError", 0L) != 0) {
                violations.add("command errors: " + counters.get("its0.commandError"));
            }
            long hits = counters.getOrDefault("its0.msi", 0L) - counters.getOrDefault("its0.cache.miss", 0L);
            return new Found(violations, sent.get(), totals.takes, hits, totals.byKind[Ledger.Kind.DISCARDED.ordinal()],
                List.copyOf(guestErrors));
        } finally {
            workers.stopAll();
            gic.close();
        }
    }

    private static boolean pendingAnywhere(GicSnapshot s) {
        return s.redistributors().stream().anyMatch(r -> r.pendingLpis().size() > 0);
    }

    /** Spins (yielding) until {@code done} holds or {@link #PATIENCE} yields passed (pacing, not a check). */
    private static void awaitProgress(BooleanSupplier done) {
        for (int i = 0; i < PATIENCE && !done.getAsBoolean(); i++) {
            Thread.yield();
        }
    }
}
