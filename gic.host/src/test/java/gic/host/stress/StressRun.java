package gic.host.stress;

import gic.api.Gic;
import gic.api.GicHost;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.api.GuestMemory;
import gic.api.IccRegister;
import gic.core.TestMemory;
import gic.core.TestThreads;
import gic.directlpi.impl.DirectLpiGicProvider;
import gic.its.impl.ItsGicProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One concurrency stress run of a 4-CPU GIC through the public API: devices sending MSIs, a guest kernel
 * issuing ITS commands, vCPUs acknowledging on their IRQ line, a thread taking snapshots, and provider
 * swaps (ITS → DirectLPI → ITS ...) at quiescent points, where the run checks its accounting (see
 * {@link Ledger}) segment by segment.
 *
 * <p>Threads (nine workers and the coordinator):
 * <ul>
 * <li>devices 0x10 and 0x11 flood their 8 events each in random order (bursts of 8 MSIs); device 0x12 is
 *     paced: one raise in flight per event, the next only after the previous was taken, so its raises never
 *     coalesce and must each be taken exactly once (its last event stops after {@link #FINITE_RAISES}).
 *     Each MSI is classified by the event's {@link Mapping} word read before and after it. Under DirectLPI
 *     a device writes the LPI's INTID to the GICR_SETLPIR of the redistributor its collection targets, and
 *     sends nothing for an unmapped event;</li>
 * <li>the guest kernel: MOVI, MOVALL (after MAPC of every collection of the source CPU to the target, the
 *     way an OS takes a CPU offline; with all 16 collections on one CPU that batch is more work than one
 *     ITS access does, so the ITS finishes it on the guest's next reads), DISCARD, MAPTI of a discarded
 *     event, INV after an Enable change in the configuration table (INVALL if the event is unmapped), MAPD
 *     V = 0 of a whole device, MAPD V = 1 with a fresh zeroed ITT followed by MAPTIs, MAPC of an unused
 *     collection; each with a SYNC. The paced device's events are never discarded or unmapped. Under
 *     DirectLPI it only changes Enable bits, with GICR_INVLPIR;</li>
 * <li>four vCPUs: wait for their IRQ line (the host callback), then ICC_IAR1_EL1 and ICC_EOIR1_EL1;</li>
 * <li>a snapshotter: {@link Gic#snapshot()} while everything runs, checked to encode and decode to itself,
 *     to name only LPIs of the run, and to show an LPI pending at two CPUs only during a MOVALL batch;</li>
 * <li>the coordinator: every phase it pauses the workers, takes a consistent snapshot, checks the segment,
 *     the counters and where each pending LPI is, then restores the snapshot (through its byte form) into the
 *     other provider, checks that the new GIC reports the same state and that the ITS's memory was left
 *     alone, closes the old one and resumes.</li>
 * </ul>
 * At the end the devices stop, every LPI is enabled again, the vCPUs drain, and an LPI still deliverable
 * once every IRQ line is low is a fault.
 */
final class StressRun {

    static final int CPUS = 4;
    static final int ICIDS = 16;
    static final int MAPD_SIZE = 2; // 8 EventIDs per device

    /** A device: its DeviceID, how many events, whether it is paced, and the index of its first event. */
    record Device(int slot, int deviceId, int events, boolean paced, int first) {
    }

    static final List<Device> DEVICES = List.of(new Device(0, 0x10, 8, false, 0), new Device(1, 0x11, 8, false, 8),
        new Device(2, 0x12, 4, true, 16));
    static final int EVENTS = 20;
    /**
     * The paced device's last event sends exactly this many raises, then stops: after its last take no
     * raise of it is left, so one take too many cannot hide behind a later raise (see the planted bugs).
     */
    static final int FINITE_RAISES = 100;
    static final int FINITE_EVENT = EVENTS - 1;

    /** The LPI of event index {@code i}: spread over several pending-bitmap words. */
    static int lpiOf(int i) {
        Device d = deviceOf(i);
        return GuestDriver.LPI_BASE + 0x400 * d.slot() + 33 * (i - d.first());
    }

    static Device deviceOf(int i) {
        for (Device d : DEVICES) {
            if (i >= d.first() && i < d.first() + d.events()) {
                return d;
            }
        }
        throw new IllegalArgumentException("no event " + i);
    }

    /** Dropped MSIs are this test's daily bread: their rate-limited warnings would only fill the output. */
    private static final java.util.logging.Logger MSI_LOG = java.util.logging.Logger.getLogger("gic.its.msi");

    static {
        MSI_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    private static final int[] INDEX_OF_LPI = new int[1 << GuestDriver.LPI_ID_BITS];

    static {
        Arrays.fill(INDEX_OF_LPI, -1);
        for (int i = 0; i < EVENTS; i++) {
            INDEX_OF_LPI[lpiOf(i)] = i;
        }
    }

    /** The event index of LPI {@code intid}, or -1 if it is not one of the run's. */
    static int indexOf(long intid) {
        return intid >= 0 && intid < INDEX_OF_LPI.length ? INDEX_OF_LPI[(int) intid] : -1;
    }

    /** Commands every run without a planted bug issues before it may end. */
    static final List<String> EXERCISED_COMMANDS = List.of("MOVI", "MOVALL", "DISCARD", "MAPTI", "INV", "MAPD V=0",
        "MAPD V=1");
    /** How much longer than asked a run may go on to exercise everything (a starved thread, a busy host). */
    static final long EXTRA_MILLIS = 30_000;

    /**
     * @param seed              seeds every thread's choices
     * @param millis            how long the workers run at least: then the run ends at the next quiescent
     *                          point where it has exercised everything (see {@link Report#exercised}), or
     *                          {@link #EXTRA_MILLIS} later at most
     * @param itsPhaseMillis    time between quiescent points while the ITS provider runs
     * @param directPhaseMillis the same while the DirectLPI provider runs
     * @param swaps             whether each quiescent point swaps providers
     * @param plant             a planted bug, or {@code null}
     */
    record Options(long seed, long millis, long itsPhaseMillis, long directPhaseMillis, boolean swaps,
                   FaultyGic.Plant plant) {
        static Options of(long seed, long millis) {
            return new Options(seed, millis, 150, 60, true, null);
        }

        Options with(FaultyGic.Plant p) {
            return new Options(seed, millis, itsPhaseMillis, directPhaseMillis, swaps, p);
        }
    }

    /** What a run did and found. */
    static final class Report {
        long seed;
        long millis;
        final Ledger.Totals totals = new Ledger.Totals();
        final Map<String, Long> commands = new TreeMap<>();
        long itsMsis;
        long directMsis;
        long spurious;
        long swaps;
        long quiescentPoints;
        long concurrentSnapshots;
        long pacedRaises;
        long pacedTakes;
        long disabledWindows;
        long doubles;
        /**
         * Without a planted bug: every command of {@link #EXERCISED_COMMANDS} was issued, raises of every kind
         * were seen, the paced device's raises were taken, and the GIC went ITS → DirectLPI → ITS. With one:
         * the bug fired. Either way at least two provider swaps.
         */
        boolean exercised;
        final List<String> guestErrors = new ArrayList<>();

        List<String> violations() {
            return totals.kept;
        }

        @Override
        public String toString() {
            return String.format("seed %d, %d ms: MSIs %d through the ITS + %d through GICR_SETLPIR; %s;"
                    + " paced raises %d, paced takes %d; spurious IAR1 reads %d; commands %s; disabled windows %d;"
                    + " quiescent points %d, provider swaps %d, concurrent snapshots %d (%d caught an LPI pending at two"
                    + " CPUs during a MOVALL batch); guest errors %d",
                seed, millis, itsMsis, directMsis, totals, pacedRaises, pacedTakes, spurious, commands,
                disabledWindows, quiescentPoints, swaps, concurrentSnapshots, doubles, guestErrors.size());
        }
    }

    private enum Mode {
        ITS, DIRECT
    }

    /** The GIC the workers use now, its host, its mode, and (DirectLPI) each event's doorbell. */
    private record Current(Gic gic, Lines lines, Mode mode, long[] doorbell) {
    }

    /** Each GIC's host: the shared guest RAM and its own IRQ lines, which wake the vCPU threads. */
    private final class Lines implements GicHost {
        final AtomicIntegerArray irq = new AtomicIntegerArray(CPUS);

        @Override
        public GuestMemory memory() {
            return memory;
        }

        @Override
        public void setIrq(int cpu, boolean asserted) {
            irq.set(cpu, asserted ? 1 : 0);
            Thread t = vcpuThreads.get(cpu);
            if (asserted && t != null) {
                LockSupport.unpark(t);
            }
        }

        @Override
        public void setFiq(int cpu, boolean asserted) {
            if (asserted) {
                guestErrors.add("FIQ raised on CPU " + cpu + " (no Group 0 interrupt is used)");
            }
        }

        @Override
        public void guestError(String block, String message) {
            guestErrors.add(block + ": " + message);
        }
    }

    private final Options options;
    private final GicProvider itsProvider = new ItsGicProvider();
    private final GicProvider directProvider = new DirectLpiGicProvider();
    private final TestMemory memory = new TestMemory(GuestDriver.RAM_BASE, GuestDriver.RAM_SIZE);
    private final AtomicLong clock = new AtomicLong();
    private final Pause pause = new Pause();
    private final TestThreads threads = new TestThreads();
    private final AtomicBoolean stopDevices = new AtomicBoolean();
    private final AtomicBoolean stopKernel = new AtomicBoolean();
    private final AtomicBoolean stopSnapshots = new AtomicBoolean();
    private final AtomicBoolean stopCpus = new AtomicBoolean();
    private final AtomicReferenceArray<Thread> vcpuThreads = new AtomicReferenceArray<>(CPUS);
    private final Queue<String> guestErrors = new ConcurrentLinkedQueue<>();
    private final Queue<String> asyncViolations = new ConcurrentLinkedQueue<>();
    private final Mapping mapping = new Mapping(EVENTS, true);
    private final AtomicIntegerArray takeCount = new AtomicIntegerArray(EVENTS);
    private final Ledger.DisabledWindows disabled = new Ledger.DisabledWindows(EVENTS);
    private final Ledger ledger;
    private final Report report = new Report();
    private final LongAdder spurious = new LongAdder();
    private final LongAdder snapshots = new LongAdder();

    // per-thread logs, read and cleared by the coordinator at quiescent points
    private final Ledger.Log[] raiseLogs = new Ledger.Log[DEVICES.size()];
    private final Ledger.Log[] takeLogs = new Ledger.Log[CPUS + 1]; // the last one: the coordinator's final drain
    private final Ledger.Log clearLog = new Ledger.Log();
    private final Ledger.Log moveLog = new Ledger.Log();
    /** Snapshots (of the snapshotter) that showed an LPI pending at two redistributors at once. */
    private final Ledger.Log doubleLog = new Ledger.Log();

    // the guest kernel's view (written by the kernel thread, or by the coordinator while it is stopped)
    private final GuestDriver driver;
    private final boolean[] deviceMapped = new boolean[DEVICES.size()];
    private final int[] icidOf = new int[EVENTS];
    private final int[] rdOfIcid = new int[ICIDS];
    private int disabledIndex = -1;
    private final Map<String, Long> commands = new TreeMap<>();

    private volatile Current current;
    private long segmentStart;
    private boolean[] pendingAtStart = new boolean[EVENTS];
    private long instanceMsis;
    private long instanceUnmapped;
    private long instanceUnstable;
    private long itsMemoryDigest = -1;
    private final long[] pacedRaises = new long[EVENTS];
    private final long[] pacedTakes = new long[EVENTS];

    StressRun(Options options) {
        this.options = options;
        String[] names = new String[EVENTS];
        for (int i = 0; i < EVENTS; i++) {
            Device d = deviceOf(i);
            names[i] = String.format("LPI %d (DeviceID 0x%x EventID %d)", lpiOf(i), d.deviceId(), i - d.first());
        }
        ledger = new Ledger(names, disabled);
        for (int i = 0; i < raiseLogs.length; i++) {
            raiseLogs[i] = new Ledger.Log();
        }
        for (int i = 0; i < takeLogs.length; i++) {
            takeLogs[i] = new Ledger.Log();
        }
        Lines lines = new Lines();
        Gic gic = wrap(itsProvider.create(GuestDriver.config(CPUS), lines));
        current = new Current(gic, lines, Mode.ITS, null);
        driver = new GuestDriver(gic, memory);
        report.seed = options.seed();
    }

    private Gic wrap(Gic g) {
        return options.plant() == null ? g : new FaultyGic(g, options.plant());
    }

    private long tick() {
        return clock.incrementAndGet();
    }

    /** Runs the whole stress and returns what it found (it does not assert). */
    Report run() throws InterruptedException {
        long started = System.nanoTime();
        bringUp();
        int workers = startWorkers();
        try {
            long deadline = System.nanoTime() + options.millis() * 1_000_000;
            long cap = deadline + EXTRA_MILLIS * 1_000_000;
            while (!threads.failed()) {
                long now = System.nanoTime();
                if (now >= deadline && (report.exercised || now >= cap)) {
                    break;
                }
                Thread.sleep(current.mode() == Mode.ITS ? options.itsPhaseMillis() : options.directPhaseMillis());
                quiescentPoint(workers, options.swaps());
            }
            if (current.mode() != Mode.ITS && !threads.failed()) {
                quiescentPoint(workers, true);
            }
            finish(workers);
        } catch (IllegalStateException e) {
            if (!threads.failed()) {
                throw e;
            }
        } finally {
            pause.resumeAll();
            threads.stopAll();
            current.gic().close();
        }
        threads.rethrow();
        report.millis = (System.nanoTime() - started) / 1_000_000;
        return report();
    }

    // ---------------------------------------------------------------------------------------------
    // Bring-up

    private void bringUp() {
        int[] lpis = new int[EVENTS];
        for (int i = 0; i < EVENTS; i++) {
            lpis[i] = lpiOf(i);
        }
        driver.bringUpGic(lpis);
        driver.bringUpIts();
        Arrays.fill(rdOfIcid, -1);
        for (int c = 0; c < CPUS; c++) {
            rdOfIcid[c] = c;
        }
        for (Device d : DEVICES) {
            driver.post(GuestDriver.mapd(d.deviceId(), MAPD_SIZE, driver.zeroedItt(d.slot()), true));
            deviceMapped[d.slot()] = true;
            for (int ev = 0; ev < d.events(); ev++) {
                int i = d.first() + ev;
                icidOf[i] = i % CPUS;
                driver.post(GuestDriver.mapti(d.deviceId(), ev, lpiOf(i), icidOf[i]), GuestDriver.sync(icidOf[i]));
            }
        }
        segmentStart = tick();
    }

    private int startWorkers() {
        int n = 0;
        for (int c = 0; c < CPUS; c++) {
            int cpu = c;
            threads.start("vcpu" + c, stopCpus, () -> vcpu(cpu));
            n++;
        }
        for (Device d : DEVICES) {
            threads.start("device" + d.slot(), stopDevices, () -> device(d));
            n++;
        }
        threads.start("kernel", stopKernel, this::kernel);
        threads.start("snapshots", stopSnapshots, this::snapshots);
        return n + 2;
    }

    // ---------------------------------------------------------------------------------------------
    // Workers

    private void vcpu(int cpu) {
        vcpuThreads.set(cpu, Thread.currentThread());
        Ledger.Log log = takeLogs[cpu];
        while (!stopCpus.get()) {
            pause.point();
            Current cur = current;
            if (cur.lines().irq.get(cpu) == 0) {
                LockSupport.parkNanos(300_000);
                continue;
            }
            long a = tick();
            int id = (int) cur.gic().cpu(cpu).read(IccRegister.IAR1);
            long b = tick();
            if (id == GuestDriver.SPURIOUS) {
                spurious.increment();
                Thread.yield();
                continue;
            }
            int i = indexOf(id);
            if (i < 0) {
                asyncViolations.add("CPU " + cpu + " acknowledged INTID " + id + ", which no device raises");
            } else {
                log.add(i, a, b, cpu);
                takeCount.incrementAndGet(i);
            }
            cur.gic().cpu(cpu).write(IccRegister.EOIR1, id);
        }
    }

    private void device(Device d) {
        Random rnd = new Random(options.seed() * 1_000_003 + d.slot());
        Ledger.Log log = raiseLogs[d.slot()];
        long[] sent = new long[d.events()];
        while (!stopDevices.get()) {
            pause.point();
            Current cur = current;
            if (d.paced()) {
                boolean any = false;
                for (int ev = 0; ev < d.events(); ev++) {
                    boolean finished = d.first() + ev == FINITE_EVENT && sent[ev] >= FINITE_RAISES;
                    if (!finished && takeCount.get(d.first() + ev) >= sent[ev] && send(cur, d, ev, log)) {
                        sent[ev]++;
                        any = true;
                    }
                }
                LockSupport.parkNanos(any ? 2_000 : 20_000);
            } else {
                for (int k = 0; k < 8; k++) {
                    send(cur, d, rnd.nextInt(d.events()), log);
                }
                LockSupport.parkNanos(1_000 + rnd.nextInt(40_000));
            }
        }
    }

    /** One MSI of event {@code ev} of {@code d}, classified by its mapping's version before and after. */
    private boolean send(Current cur, Device d, int ev, Ledger.Log log) {
        int i = d.first() + ev;
        long before = mapping.read(i);
        long address;
        long data;
        if (cur.mode() == Mode.ITS) {
            address = driver.its().translaterAddress();
            data = ev;
        } else if (Mapping.mapped(before)) {
            address = cur.doorbell()[i];
            data = lpiOf(i);
        } else {
            return false; // under DirectLPI an unmapped event has no doorbell: the driver masked it
        }
        long s = tick();
        boolean doorbell = cur.gic().msi(address, 4, data, d.deviceId());
        long e = tick();
        long after = mapping.read(i);
        if (!doorbell) {
            throw new AssertionError("0x" + Long.toHexString(address) + " is not a doorbell of the " + cur.mode() + " GIC");
        }
        log.add(i, s, e, Mapping.classify(before, after).ordinal());
        return true;
    }

    private void snapshots() {
        while (!stopSnapshots.get()) {
            pause.point();
            long from = tick();
            GicSnapshot s = current.gic().snapshot();
            long to = tick();
            if (!GicSnapshot.fromBytes(s.toBytes()).equals(s)) {
                asyncViolations.add("a snapshot taken while running does not decode to itself");
            }
            boolean[] seen = new boolean[EVENTS];
            for (GicSnapshot.RedistributorState rd : s.redistributors()) {
                for (int k = 0; k < rd.pendingLpis().size(); k++) {
                    int i = indexOf(rd.pendingLpis().get(k));
                    if (i < 0) {
                        asyncViolations.add("a snapshot shows LPI " + rd.pendingLpis().get(k) + " pending, which no device raises");
                    } else if (seen[i]) {
                        doubleLog.add(i, from, to, 0); // allowed only during a move of its collection
                    }
                    seen[i] = i >= 0;
                }
            }
            snapshots.increment();
            LockSupport.parkNanos(2_000_000);
        }
    }

    private void kernel() {
        Random rnd = new Random(options.seed() * 7919 + 99);
        while (!stopKernel.get()) {
            pause.point();
            if (current.mode() == Mode.ITS) {
                itsOperation(rnd);
            } else if (rnd.nextInt(4) == 0) {
                toggleEnable(rnd, Mode.DIRECT);
            }
            LockSupport.parkNanos(20_000 + rnd.nextInt(100_000));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The guest kernel's operations (kernel thread; the coordinator reads its state when paused)

    private void itsOperation(Random rnd) {
        int pick = rnd.nextInt(100);
        if (pick < 25) {
            movi(rnd);
        } else if (pick < 35) {
            movall(rnd);
        } else if (pick < 50) {
            discard(rnd);
        } else if (pick < 65) {
            remap(rnd);
        } else if (pick < 82) {
            toggleEnable(rnd, Mode.ITS);
        } else if (pick < 86) {
            unmapDevice(rnd);
        } else if (pick < 94) {
            mapDevice(rnd);
        } else {
            newCollection(rnd);
        }
    }

    private void count(String command) {
        commands.merge(command, 1L, Long::sum);
    }

    private int randomEvent(Random rnd, boolean mapped, boolean floodOnly) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            Device d = deviceOf(i);
            if (mapping.mapped(i) == mapped && !(floodOnly && d.paced())
                && (mapped || deviceMapped[d.slot()])) {
                candidates.add(i);
            }
        }
        return candidates.isEmpty() ? -1 : candidates.get(rnd.nextInt(candidates.size()));
    }

    private static int deviceIdOf(int i) {
        return deviceOf(i).deviceId();
    }

    private static int eventOf(int i) {
        return i - deviceOf(i).first();
    }

    private void movi(Random rnd) {
        int i = randomEvent(rnd, true, false);
        List<Integer> targets = new ArrayList<>();
        for (int c = 0; c < ICIDS; c++) {
            if (rdOfIcid[c] >= 0 && i >= 0 && c != icidOf[i]) {
                targets.add(c);
            }
        }
        if (targets.isEmpty()) {
            return;
        }
        int icid = targets.get(rnd.nextInt(targets.size()));
        driver.post(GuestDriver.movi(deviceIdOf(i), eventOf(i), icid), GuestDriver.sync(rdOfIcid[icid]));
        icidOf[i] = icid;
        count("MOVI");
    }

    /** A CPU goes offline: every collection on it is remapped to another CPU, then MOVALL moves its LPIs. */
    private void movall(Random rnd) {
        List<Integer> sources = new ArrayList<>();
        for (int c = 0; c < ICIDS; c++) {
            if (rdOfIcid[c] >= 0 && !sources.contains(rdOfIcid[c])) {
                sources.add(rdOfIcid[c]);
            }
        }
        int from = sources.get(rnd.nextInt(sources.size()));
        int to = (from + 1 + rnd.nextInt(CPUS - 1)) % CPUS;
        List<long[]> cmds = new ArrayList<>();
        for (int c = 0; c < ICIDS; c++) {
            if (rdOfIcid[c] == from) {
                cmds.add(GuestDriver.mapc(c, to));
            }
        }
        cmds.add(GuestDriver.movall(from, to));
        cmds.add(GuestDriver.sync(to));
        long s = tick();
        driver.post(cmds.toArray(new long[0][]));
        long e = tick();
        for (int i = 0; i < EVENTS; i++) {
            if (rdOfIcid[icidOf[i]] == from) {
                moveLog.add(i, s, e, 0);
            }
        }
        for (int c = 0; c < ICIDS; c++) {
            if (rdOfIcid[c] == from) {
                rdOfIcid[c] = to;
            }
        }
        count("MOVALL");
    }

    /** A collection no event refers to is mapped (again) to a random CPU, so MOVI can spread LPIs there. */
    private void newCollection(Random rnd) {
        List<Integer> free = new ArrayList<>();
        for (int c = 0; c < ICIDS; c++) {
            boolean used = false;
            for (int i = 0; i < EVENTS; i++) {
                used |= icidOf[i] == c;
            }
            if (!used) {
                free.add(c);
            }
        }
        if (free.isEmpty()) {
            return;
        }
        int icid = free.get(rnd.nextInt(free.size()));
        int cpu = rnd.nextInt(CPUS);
        driver.post(GuestDriver.mapc(icid, cpu), GuestDriver.sync(cpu));
        rdOfIcid[icid] = cpu;
        count("MAPC");
    }

    private void discard(Random rnd) {
        int i = randomEvent(rnd, true, true);
        if (i < 0) {
            return;
        }
        mapping.begin(i, true);
        long s = tick();
        driver.post(GuestDriver.discard(deviceIdOf(i), eventOf(i)), GuestDriver.sync(rdOfIcid[icidOf[i]]));
        long e = tick();
        mapping.end(i, false);
        clearLog.add(i, s, e, 0);
        count("DISCARD");
    }

    private void remap(Random rnd) {
        int i = randomEvent(rnd, false, true);
        if (i < 0) {
            return;
        }
        mapping.begin(i, false);
        driver.post(GuestDriver.mapti(deviceIdOf(i), eventOf(i), lpiOf(i), icidOf[i]),
            GuestDriver.sync(rdOfIcid[icidOf[i]]));
        mapping.end(i, true);
        count("MAPTI");
    }

    /**
     * At most one LPI is disabled at a time: enables it again if one is, else disables a mapped one. The
     * configuration byte is written first, then INV (an unmapped event: INVALL of its collection) or, under
     * DirectLPI, GICR_INVLPIR at the redistributor its collection targets.
     */
    private void toggleEnable(Random rnd, Mode mode) {
        if (disabledIndex >= 0) {
            int i = disabledIndex;
            disabled.close(i, tick());
            driver.lpiConfig(lpiOf(i), true);
            invalidate(i, mode);
            disabledIndex = -1;
        } else {
            int i = randomEvent(rnd, true, false);
            if (i < 0) {
                return;
            }
            driver.lpiConfig(lpiOf(i), false);
            invalidate(i, mode);
            disabled.open(i, tick());
            disabledIndex = i;
            report.disabledWindows++;
        }
    }

    private void invalidate(int i, Mode mode) {
        int rd = rdOfIcid[icidOf[i]];
        if (mode == Mode.DIRECT) {
            driver.invlpir(rd, lpiOf(i));
            count("GICR_INVLPIR");
        } else if (mapping.mapped(i)) {
            driver.post(GuestDriver.inv(deviceIdOf(i), eventOf(i)), GuestDriver.sync(rd));
            count("INV");
        } else {
            driver.post(GuestDriver.invall(icidOf[i]), GuestDriver.sync(rd));
            count("INVALL");
        }
    }

    /** MAPD V = 0 of a flood device with its events still mapped: they become unreachable at once. */
    private void unmapDevice(Random rnd) {
        List<Device> mapped = DEVICES.stream().filter(d -> !d.paced() && deviceMapped[d.slot()]).toList();
        if (mapped.isEmpty()) {
            return;
        }
        Device d = mapped.get(rnd.nextInt(mapped.size()));
        for (int ev = 0; ev < d.events(); ev++) {
            mapping.begin(d.first() + ev, false);
        }
        driver.post(GuestDriver.mapd(d.deviceId(), 0, 0, false), GuestDriver.sync(0));
        for (int ev = 0; ev < d.events(); ev++) {
            mapping.end(d.first() + ev, false);
        }
        deviceMapped[d.slot()] = false;
        count("MAPD V=0");
    }

    /**
     * MAPD V = 1 of an unmapped device with a freshly zeroed ITT (every event starts unmapped), then, as a
     * driver sets up its vectors, MAPTI of each event with probability 3/4; the others wait for
     * {@link #remap}.
     */
    private void mapDevice(Random rnd) {
        List<Device> unmapped = DEVICES.stream().filter(d -> !deviceMapped[d.slot()]).toList();
        if (unmapped.isEmpty()) {
            return;
        }
        Device d = unmapped.get(rnd.nextInt(unmapped.size()));
        driver.post(GuestDriver.mapd(d.deviceId(), MAPD_SIZE, driver.zeroedItt(d.slot()), true), GuestDriver.sync(0));
        deviceMapped[d.slot()] = true;
        count("MAPD V=1");
        for (int ev = 0; ev < d.events(); ev++) {
            int i = d.first() + ev;
            if (rnd.nextInt(4) != 0) {
                mapping.begin(i, false);
                driver.post(GuestDriver.mapti(d.deviceId(), ev, lpiOf(i), icidOf[i]), GuestDriver.sync(rdOfIcid[icidOf[i]]));
                mapping.end(i, true);
                count("MAPTI");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Quiescent points

    /** Pauses every worker, checks the segment that ends here, swaps providers if asked, resumes. */
    private void quiescentPoint(int workers, boolean swap) throws InterruptedException {
        pause.pauseAll(workers, threads::failed);
        try {
            GicSnapshot snap = closeSegment();
            if (swap) {
                swap(snap);
            }
        } finally {
            segmentStart = tick();
            pause.resumeAll();
        }
    }

    /** With nothing in flight: a consistent snapshot, the segment's check, and the counters' check. */
    private GicSnapshot closeSegment() {
        report.quiescentPoints++;
        long end = tick();
        Current cur = current;
        GicSnapshot snap = cur.gic().snapshot();
        boolean[] pendingAtEnd = pending(snap);
        Ledger.Segment seg = ledger.new Segment(segmentStart, end);
        long msis = 0;
        for (Ledger.Log log : raiseLogs) {
            seg.raises(log);
            for (int k = 0; k < log.size; k++) {
                msis++;
                if (log.tag[k] == Ledger.Kind.UNMAPPED.ordinal()) {
                    instanceUnmapped++;
                } else if (log.tag[k] != Ledger.Kind.MAPPED.ordinal()) {
                    instanceUnstable++;
                }
                if (deviceOf(log.index[k]).paced()) {
                    pacedRaises[log.index[k]]++;
                }
            }
            log.clear();
        }
        for (Ledger.Log log : takeLogs) {
            seg.takes(log);
            for (int k = 0; k < log.size; k++) {
                if (deviceOf(log.index[k]).paced()) {
                    pacedTakes[log.index[k]]++;
                }
            }
            log.clear();
        }
        seg.clears(clearLog);
        clearLog.clear();
        seg.moves(moveLog);
        moveLog.clear();
        for (int k = 0; k < doubleLog.size; k++) {
            if (!seg.inMoveWindow(doubleLog.index[k], doubleLog.from[k], doubleLog.to[k])) {
                report.totals.violation(String.format("LPI %d pending at two redistributors at once in a snapshot [%d, %d]"
                    + " outside any move of its collection", lpiOf(doubleLog.index[k]), doubleLog.from[k], doubleLog.to[k]));
            }
        }
        report.doubles += doubleLog.size;
        doubleLog.clear();
        for (int i = 0; i < EVENTS; i++) {
            if (pendingAtStart[i]) {
                seg.pendingAtStart(i);
            }
            if (pendingAtEnd[i]) {
                seg.pendingAtEnd(i);
            }
        }
        seg.check(report.totals);
        disabled.prune(end);
        pendingAtStart = pendingAtEnd;
        instanceMsis += msis;
        if (cur.mode() == Mode.ITS) {
            report.itsMsis += msis;
        } else {
            report.directMsis += msis;
        }
        checkCounters(cur);
        report.exercised = report.swaps >= 2 && (options.plant() != null ? options.plant().fired()
            : commands.keySet().containsAll(EXERCISED_COMMANDS) && Arrays.stream(report.totals.byKind).allMatch(n -> n > 0)
            && Arrays.stream(pacedTakes).sum() > 0);
        return snap;
    }

    /** Which LPIs the snapshot shows pending; each must be at the redistributor its collection targets. */
    private boolean[] pending(GicSnapshot snap) {
        boolean[] pending = new boolean[EVENTS];
        for (int rd = 0; rd < CPUS; rd++) {
            GicSnapshot.RedistributorState s = snap.redistributors().get(rd);
            for (int k = 0; k < s.pendingLpis().size(); k++) {
                long intid = s.pendingLpis().get(k);
                int i = indexOf(intid);
                if (i < 0) {
                    report.totals.violation("LPI " + intid + " pending at CPU " + rd + ", but no device raises it");
                    continue;
                }
                if (pending[i]) {
                    report.totals.violation("LPI " + intid + " pending at two redistributors");
                }
                pending[i] = true;
                int expected = rdOfIcid[icidOf[i]];
                if (rd != expected) {
                    report.totals.violation(String.format("LPI %d pending at CPU %d, but its collection %d targets CPU %d",
                        intid, rd, icidOf[i], expected));
                }
            }
        }
        return pending;
    }

    /** The GIC's own counters agree with what the devices sent to this instance. */
    private void checkCounters(Current cur) {
        Map<String, Long> c = cur.gic().counters();
        if (cur.mode() == Mode.ITS) {
            long msi = c.getOrDefault("its0.msi", 0L);
            long dropped = c.getOrDefault("its0.msi.dropped", 0L);
            if (msi != instanceMsis) {
                report.totals.violation("its0.msi = " + msi + ", but the devices sent " + instanceMsis);
            }
            if (dropped < instanceUnmapped || dropped > instanceUnmapped + instanceUnstable) {
                report.totals.violation(String.format("its0.msi.dropped = %d, outside [%d unmapped, + %d unstable]",
                    dropped, instanceUnmapped, instanceUnstable));
            }
            if (c.getOrDefault("its0.commandError", 0L) != 0) {
                report.totals.violation("ITS command errors: " + c.get("its0.commandError"));
            }
        } else {
            long msi = c.getOrDefault("directlpi.msi", 0L);
            long dropped = c.entrySet().stream().filter(e -> e.getKey().startsWith("directlpi.msi.dropped"))
                .mapToLong(Map.Entry::getValue).sum();
            if (msi != instanceMsis || dropped != 0) {
                report.totals.violation("directlpi.msi = " + msi + " with " + dropped + " dropped, but the devices sent "
                    + instanceMsis + " to mapped events");
            }
        }
    }

    /** Snapshot → bytes → the other provider; the old GIC is closed. */
    private void swap(GicSnapshot snap) {
        Current cur = current;
        GicSnapshot copy = GicSnapshot.fromBytes(snap.toBytes());
        if (!copy.equals(snap)) {
            report.totals.violation("the snapshot does not decode to itself");
        }
        Mode next = cur.mode() == Mode.ITS ? Mode.DIRECT : Mode.ITS;
        long digest = driver.itsMemoryDigest();
        if (next == Mode.DIRECT) {
            itsMemoryDigest = digest;
        } else if (digest != itsMemoryDigest) {
            report.totals.violation("the ITS tables or command queue in guest memory changed under DirectLPI");
        }
        Lines lines = new Lines();
        Gic gic = wrap((next == Mode.ITS ? itsProvider : directProvider).restore(copy, lines));
        GicSnapshot again = gic.snapshot();
        if (!sameState(snap, again)) {
            report.totals.violation("restored into " + next + ", the GIC reports another state: " + snap + " became " + again);
        }
        cur.gic().close();
        long[] doorbell = null;
        if (next == Mode.DIRECT) {
            doorbell = new long[EVENTS];
            for (int i = 0; i < EVENTS; i++) {
                doorbell[i] = gic.directLpi().orElseThrow().setLpirAddress(rdOfIcid[icidOf[i]]);
            }
        }
        driver.gic = gic;
        current = new Current(gic, lines, next, doorbell);
        instanceMsis = 0;
        instanceUnmapped = 0;
        instanceUnstable = 0;
        report.swaps++;
    }

    private static boolean sameState(GicSnapshot a, GicSnapshot b) {
        return a.config().equals(b.config()) && a.distributor().equals(b.distributor())
            && a.redistributors().equals(b.redistributors()) && a.itses().equals(b.itses());
    }

    // ---------------------------------------------------------------------------------------------
    // The end

    private void finish(int workers) throws InterruptedException {
        if (threads.failed()) {
            return;
        }
        pause.pauseAll(workers, threads::failed);
        stopDevices.set(true);
        stopKernel.set(true);
        stopSnapshots.set(true);
        pause.resumeAll();
        threads.join("device0", "device1", "device2", "kernel", "snapshots");
        // every LPI enabled again; the vCPUs take what is left
        if (disabledIndex >= 0) {
            int i = disabledIndex;
            disabled.close(i, tick());
            driver.lpiConfig(lpiOf(i), true);
            invalidate(i, Mode.ITS);
            disabledIndex = -1;
        }
        Current cur = current;
        for (int polls = 0; polls < 30_000 && !threads.failed(); polls++) {
            if (!anyPending(cur.gic().snapshot()) && allLinesLow(cur)) {
                break;
            }
            Thread.sleep(1);
        }
        threads.stop("vcpu0", "vcpu1", "vcpu2", "vcpu3");
        Ledger.Log log = takeLogs[CPUS];
        for (int c = 0; c < CPUS; c++) {
            for (int n = 0; n < 100_000; n++) {
                long a = tick();
                int id = (int) cur.gic().cpu(c).read(IccRegister.IAR1);
                long b = tick();
                if (id == GuestDriver.SPURIOUS) {
                    break;
                }
                report.totals.violation("CPU " + c + " could still take INTID " + id + " after the vCPUs drained with"
                    + " the IRQ line " + (cur.lines().irq.get(c) != 0 ? "high" : "low"));
                if (indexOf(id) >= 0) {
                    log.add(indexOf(id), a, b, c);
                }
                cur.gic().cpu(c).write(IccRegister.EOIR1, id);
            }
        }
        closeSegment();
        GicSnapshot last = cur.gic().snapshot();
        if (anyPending(last)) {
            report.totals.violation("LPIs still pending at the end: "
                + last.redistributors().stream().map(r -> r.pendingLpis().toString()).toList());
        }
        for (int i = 0; i < EVENTS; i++) {
            if (deviceOf(i).paced() && pacedRaises[i] != pacedTakes[i]) {
                report.totals.violation(String.format("paced LPI %d: %d raises, %d takes", lpiOf(i), pacedRaises[i],
                    pacedTakes[i]));
            }
        }
    }

    private static boolean anyPending(GicSnapshot s) {
        return s.redistributors().stream().anyMatch(r -> r.pendingLpis().size() > 0);
    }

    private static boolean allLinesLow(Current cur) {
        for (int c = 0; c < CPUS; c++) {
            if (cur.lines().irq.get(c) != 0) {
                return false;
            }
        }
        return true;
    }

    private Report report() {
        report.commands.putAll(commands);
        report.spurious = spurious.sum();
        report.concurrentSnapshots = snapshots.sum();
        for (int i = 0; i < EVENTS; i++) {
            report.pacedRaises += pacedRaises[i];
            report.pacedTakes += pacedTakes[i];
        }
        report.guestErrors.addAll(guestErrors);
        for (String v : asyncViolations) {
            report.totals.violation(v);
        }
        return report;
    }
}
