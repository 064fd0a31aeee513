package gic.host.machine;

import gic.api.CpuInterface;
import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.api.GuestMemory;
import gic.api.IccRegister;
import gic.host.HostStats;
import gic.host.Verdict;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The reference machine: guest RAM, one thread per vCPU, MSI-X devices, the timer and SPI sources, a guest
 * driver, and whichever GIC provider is bound, which can be swapped live.
 *
 * <p>Life cycle: built with no GIC and no thread. The first {@link #attach} creates the GIC, boots the guest
 * driver on it and starts the threads. {@link #swapTo} pauses every thread at a safe point, snapshots the
 * GIC, restores the snapshot into the new provider, checks that the pending state survived, lets the driver
 * take the new GIC over, closes the old one and resumes. {@link #detach} leaves the machine paused with the
 * snapshot held until the next {@link #attach}. {@link #close} ends and joins every thread.
 *
 * <p>Public methods are serialised by one lock, except {@link #stats()}, {@link #lpiMode()} and
 * {@link #gic()}, which read published state so a shell stays responsive during a long settle. Every wait is
 * bounded.
 */
public final class Machine implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("gic.host");
    /** Bound on waiting for the threads to reach their gates. */
    private static final long PAUSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Bound on waiting for all threads to end in {@link #close()}. */
    private static final long JOIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long DRAIN_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Shortest interval for {@link HostStats#msisPerSecond()}; closer calls repeat the last figure. */
    private static final long RATE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int GUEST_ERRORS_KEPT = 20;
    /** LPIs per CPU whose property-table byte a failed settle shows. */
    private static final int LPI_CONFIGS_SHOWN = 8;

    private final Object lock = new Object();
    private final MachineConfig config;
    private final GuestRam ram;
    private final Ledger ledger;
    private final List<Vcpu> vcpus = new ArrayList<>();
    private final List<MsiDevice> devices = new ArrayList<>();
    private final Timer timer; // null without a timer and an SPI device
    /** Devices and the timer: what raises interrupts. */
    private final List<Worker> sources = new ArrayList<>();
    private final long startNanos = System.nanoTime();
    private final AtomicLong guestErrors = new AtomicLong();
    private final Deque<String> recentGuestErrors = new ArrayDeque<>(); // guarded by itself

    // Guarded by lock; the volatile ones are also read without it.
    private volatile Gic gic;
    private volatile long swaps;
    private volatile long pausedNanos;
    private volatile long pauseStart = -1; // nanoTime the current pause began, -1 while running
    private GicProvider provider;
    private Binding binding;
    private GicSnapshot held;
    private boolean started;
    private boolean closed;

    // Guarded by the rate sample's own lock (stats() takes no machine lock).
    private final Object rateLock = new Object();
    private long sampleNanos = startNanos;
    private long sampleMsis;
    private double msisPerSecond;

    /** Allocates guest RAM and the ledger; no GIC yet, no thread. */
    public Machine(MachineConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.ram = new GuestRam(config.ramBase(), config.ramBytes());
        this.ledger = new Ledger(config.cpus(), MachineConfig.SPI_COUNT, config.lpis());
        for (int c = 0; c < config.cpus(); c++) {
            vcpus.add(new Vcpu(c, ledger));
        }
        for (int d = 0; d < config.devices(); d++) {
            devices.add(new MsiDevice(config, d, ledger));
        }
        timer = config.timerHz() > 0 || config.spiRateHz() > 0 ? new Timer(config, ledger) : null;
        sources.addAll(devices);
        if (timer != null) {
            sources.add(timer);
        }
    }

    public MachineConfig config() {
        return config;
    }

    /**
     * Binds {@code provider}. With no GIC yet: creates one, boots the guest driver, starts the threads. While
     * detached: restores the held snapshot into {@code provider} (checking that its pending state survived),
     * lets the driver take it over and resumes. While attached: {@link #swapTo}.
     *
     * @throws IllegalStateException if closed, or if the guest could not boot on the GIC (which is then closed)
     */
    public void attach(GicProvider provider) {
        Objects.requireNonNull(provider, "provider");
        synchronized (lock) {
            ensureOpen();
            if (gic != null) {
                swapTo(provider);
                return;
            }
            Binding b = newBinding();
            Gic g = held == null ? provider.create(config.gicConfig(), b) : provider.restore(held, b);
            try {
                GuestDriver driver = GuestDriver.of(g, ram, config, devices);
                if (held == null) {
                    driver.boot();
                } else {
                    verifyPending(held, g, "attach of " + provider.lpiMode());
                    driver.reattach();
                }
            } catch (RuntimeException e) {
                b.live = false;
                g.close();
                throw e;
            }
            install(g, b, provider);
            held = null;
            if (started) {
                resume();
            } else {
                started = true;
                vcpus.forEach(Worker::start);
                sources.forEach(Worker::start);
            }
        }
    }

    /**
     * Moves the running machine to {@code provider}: pause, snapshot, restore, verify the pending state
     * (a difference counts in {@link Verdict#swapMismatches()}), driver take-over, close the old GIC, resume.
     * Nothing happens if {@code provider} is the one bound. If the new provider fails, the machine goes on
     * with the old GIC and the exception is rethrown.
     */
    public void swapTo(GicProvider provider) {
        Objects.requireNonNull(provider, "provider");
        synchronized (lock) {
            ensureOpen();
            if (gic == null) {
                attach(provider);
                return;
            }
            if (provider == this.provider) {
                return;
            }
            String from = gic.lpiMode();
            pause();
            try {
                GicSnapshot before = gic.snapshot();
                replace(provider, before, "swap " + from + " -> " + provider.lpiMode());
                swaps++;
            } finally {
                resume();
            }
            LOG.log(Level.INFO, "GIC swapped from {0} to {1}", from, provider.lpiMode());
        }
    }

    /** The bound provider is going away with no replacement: pause, snapshot (held), close the GIC. Stays paused. */
    public void detach() {
        synchronized (lock) {
            if (closed || gic == null) {
                return;
            }
            pause();
            held = gic.snapshot();
            binding.live = false;
            gic.close();
            install(null, null, null);
        }
    }

    /** The bound GIC's LPI mode ({@code its} or {@code directlpi}), or {@code none}. */
    public String lpiMode() {
        Gic g = gic;
        return g == null ? "none" : g.lpiMode();
    }

    public HostStats stats() {
        long now = System.nanoTime();
        long msis = devices.stream().mapToLong(MsiDevice::sent).sum();
        double rate;
        synchronized (rateLock) {
            if (now - sampleNanos >= RATE_INTERVAL_NANOS) {
                msisPerSecond = (msis - sampleMsis) * 1e9 / (now - sampleNanos);
                sampleNanos = now;
                sampleMsis = msis;
            }
            rate = msisPerSecond;
        }
        long paused = pausedNanos;
        long since = pauseStart;
        if (since >= 0) {
            paused += now - since;
        }
        return new HostStats(lpiMode(), config.cpus(), TimeUnit.NANOSECONDS.toMillis(now - startNanos), msis, rate,
            vcpus.stream().map(Vcpu::taken).toList(), swaps, TimeUnit.NANOSECONDS.toMillis(paused));
    }

    /**
     * Stops the devices and the timer (every MSI written has returned), waits at most {@code timeoutMillis}
     * until every vCPU is idle and the GIC has nothing pending, checks the ledger, and restarts the sources.
     * While detached, checks the ledger against the held snapshot.
     */
    public Verdict settle(long timeoutMillis) {
        synchronized (lock) {
            ensureOpen();
            List<String> problems = new ArrayList<>();
            if (gic == null) {
                if (held != null) {
                    pendingProblems(PendingState.of(held), "held while detached", problems);
                }
                return ledger.check(problems);
            }
            boolean sourcesPaused = pauseStart >= 0; // a failed earlier pause may have left them so
            if (!sourcesPaused && !pauseAll(sources)) {
                problems.add("a device or the timer did not stop within " + ms(PAUSE_TIMEOUT_NANOS) + " ms");
            }
            try {
                GicSnapshot snap = drain(TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis)));
                PendingState pending = PendingState.of(snap);
                if (!pending.isEmpty()) {
                    problems.add("still pending after " + timeoutMillis + " ms: " + pending.count());
                    cpuProblems(snap, pending, problems);
                    pendingProblems(pending, "left pending", problems);
                }
                PendingState.active(snap).forEach(a -> problems.add("left active: " + a));
                for (Worker w : workers()) {
                    if (w.failures() > 0) {
                        problems.add(w.name() + ": " + w.failures() + " failed steps, first " + w.firstFailure());
                    }
                    if (w.endedBy() != null) {
                        problems.add(w.name() + " ended: " + w.endedBy());
                    }
                }
                return ledger.check(problems);
            } finally {
                if (!sourcesPaused) {
                    sources.forEach(Worker::resume);
                }
            }
        }
    }

    /** Pauses the machine, snapshots the GIC, resumes. Empty while no provider is bound. */
    public Optional<GicSnapshot> snapshot() {
        synchronized (lock) {
            ensureOpen();
            if (gic == null) {
                return Optional.empty();
            }
            pause();
            try {
                return Optional.of(gic.snapshot());
            } finally {
                resume();
            }
        }
    }

    /**
     * Pauses the machine, restores {@code snapshot} into the bound provider in place of the running GIC, lets
     * the driver take it over, resumes. In the ledger, interrupts pending in the replaced GIC count as
     * consumed and those pending in {@code snapshot} as raised. The snapshot must come from this machine:
     * the tables it names live in this guest RAM.
     *
     * @throws IllegalStateException    if no provider is bound
     * @throws IllegalArgumentException if the snapshot's CPUs or frames are not this machine's
     */
    public void load(GicSnapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        synchronized (lock) {
            ensureOpen();
            if (gic == null) {
                throw new IllegalStateException("no GIC provider bound");
            }
            GicConfig mine = config.gicConfig();
            GicConfig theirs = snapshot.config();
            if (!theirs.cpuAffinities().equals(mine.cpuAffinities()) || theirs.distributorBase() != mine.distributorBase()
                || theirs.redistributorBase() != mine.redistributorBase()) {
                throw new IllegalArgumentException("the snapshot is of a GIC of another machine shape");
            }
            pause();
            try {
                PendingState replaced = PendingState.of(gic.snapshot());
                replace(provider, snapshot, null);
                replaced.forEach(ledger::retire);
                PendingState.of(snapshot).forEach((cpu, intid) -> {
                    if (ledger.tracks(cpu, intid)) {
                        ledger.raise(cpu, intid);
                    }
                });
            } finally {
                resume();
            }
        }
    }

    /** The running GIC; empty while no provider is bound. */
    public Optional<Gic> gic() {
        return Optional.ofNullable(gic);
    }

    public GuestRam ram() {
        return ram;
    }

    /** Ends and joins every thread (bounded), then closes the GIC. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            List<Worker> all = workers();
            all.forEach(Worker::stop);
            long deadline = System.nanoTime() + JOIN_TIMEOUT_NANOS;
            boolean interrupted = false;
            for (Worker w : all) {
                try {
                    if (!w.join(deadline)) {
                        LOG.log(Level.ERROR, "{0} did not end", w.name());
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (gic != null) {
                binding.live = false;
                gic.close();
                install(null, null, null);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // For tests and diagnostics

    /** Interrupts CPU {@code cpu} took of {@code intid} (for an SPI or LPI, {@code cpu} is ignored). */
    long taken(int cpu, int intid) {
        return ledger.taken(cpu, intid);
    }

    /** Guest errors the GICs reported, and the last few of them. */
    long guestErrors() {
        return guestErrors.get();
    }

    List<String> recentGuestErrors() {
        synchronized (recentGuestErrors) {
            return List.copyOf(recentGuestErrors);
        }
    }

    MsiDevice device(int index) {
        return devices.get(index);
    }

    Vcpu vcpu(int index) {
        return vcpus.get(index);
    }

    /** The snapshot held while detached. */
    Optional<GicSnapshot> held() {
        synchronized (lock) {
            return Optional.ofNullable(held);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * With the machine paused: restores {@code state} into {@code to}, verifies the pending state against
     * {@code state} if {@code what} names the change, lets the driver take the new GIC over, closes the old
     * one. On failure the old GIC stays bound.
     */
    private void replace(GicProvider to, GicSnapshot state, String what) {
        Binding old = binding;
        old.live = false;
        Binding b = newBinding();
        Gic next = null;
        try {
            next = to.restore(state, b);
            if (what != null) {
                verifyPending(state, next, what);
            }
            GuestDriver.of(next, ram, config, devices).reattach();
        } catch (RuntimeException e) {
            b.live = false;
            if (next != null) {
                next.close();
            }
            old.live = true;
            bindWorkers(gic);
            throw e;
        }
        gic.close();
        install(next, b, to);
    }

    /**
     * The host side for a new GIC. The vCPUs' lines start low, as the new GIC's do: it reports the ones it
     * raises through this binding. (The vCPUs are paused or not started; resume kicks them anyway.)
     */
    private Binding newBinding() {
        vcpus.forEach(v -> v.irq(false));
        return new Binding();
    }

    private void install(Gic g, Binding b, GicProvider p) {
        gic = g;
        binding = b;
        provider = p;
        bindWorkers(g);
    }

    private void bindWorkers(Gic g) {
        workers().forEach(w -> w.bind(g));
    }

    /** Records a mismatch if {@code after}'s pending state differs from {@code before}'s. */
    private void verifyPending(GicSnapshot before, Gic after, String what) {
        PendingState was = PendingState.of(before);
        PendingState is = PendingState.of(after.snapshot());
        if (!was.equals(is)) {
            ledger.swapMismatch(what + ": pending state changed from " + was.describe(8) + " (" + was.count()
                + ") to " + is.describe(8) + " (" + is.count() + ")");
        }
    }

    /**
     * Why the CPUs with interrupts left pending did not take them: per CPU, what its vCPU saw and did, its
     * priority mask and running priority, and the property-table byte (priority, enable) of each LPI left
     * pending. Only reads that make the GIC re-evaluate nothing (ICC_PMR_EL1, ICC_RPR_EL1), so the state
     * reported is the state found.
     */
    private void cpuProblems(GicSnapshot snap, PendingState pending, List<String> problems) {
        for (int c = 0; c < vcpus.size(); c++) {
            List<Integer> lpis = pending.lpis().get(c);
            if (lpis.isEmpty() && pending.privates().get(c).isEmpty()) {
                continue;
            }
            CpuInterface cpu = gic.cpu(c);
            StringBuilder b = new StringBuilder(String.format("CPU %d: %s, ICC_PMR_EL1 0x%x, ICC_RPR_EL1 0x%x", c,
                vcpus.get(c).describe(), cpu.read(IccRegister.PMR), cpu.read(IccRegister.RPR)));
            long propTable = snap.redistributors().get(c).propbaser() & GuestDriver.PA_MASK;
            for (int i = 0; i < lpis.size() && i < LPI_CONFIGS_SHOWN; i++) {
                int intid = lpis.get(i);
                OptionalLong config = ram.load(propTable + intid - MachineConfig.FIRST_LPI, 1);
                b.append(i == 0 ? ", LPI configuration bytes" : "").append(String.format(" %d=%s", intid,
                    config.isPresent() ? String.format("0x%02x", config.getAsLong()) : "outside RAM"));
            }
            problems.add(b.toString());
        }
    }

    private static void pendingProblems(PendingState pending, String how, List<String> problems) {
        pending.describe(Ledger.MAX_PROBLEMS).forEach(p -> problems.add(p + " " + how));
    }

    /** Waits until every vCPU is idle and a snapshot shows nothing pending, or the timeout; returns the last snapshot. */
    private GicSnapshot drain(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            if (vcpus.stream().allMatch(Vcpu::idle)) {
                GicSnapshot s = gic.snapshot();
                if (PendingState.of(s).isEmpty() || System.nanoTime() - deadline >= 0) {
                    return s;
                }
            } else if (System.nanoTime() - deadline >= 0) {
                return gic.snapshot();
            }
            LockSupport.parkNanos(DRAIN_POLL_NANOS);
        }
    }

    /** Sources first (no MSI in flight), then vCPUs (each at the top of its loop). */
    private void pause() {
        if (pauseStart >= 0) {
            return;
        }
        pauseStart = System.nanoTime();
        if (!pauseAll(sources) || !pauseAll(vcpus)) {
            resume();
            throw new IllegalStateException("the machine did not pause within " + ms(PAUSE_TIMEOUT_NANOS) + " ms");
        }
    }

    private void resume() {
        if (pauseStart < 0 || gic == null) {
            return;
        }
        vcpus.forEach(Worker::resume);
        vcpus.forEach(Vcpu::kick);
        sources.forEach(Worker::resume);
        pausedNanos += System.nanoTime() - pauseStart;
        pauseStart = -1;
    }

    private static boolean pauseAll(List<? extends Worker> workers) {
        workers.forEach(Worker::requestPause);
        long deadline = System.nanoTime() + PAUSE_TIMEOUT_NANOS;
        try {
            for (Worker w : workers) {
                if (!w.awaitPaused(deadline)) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private List<Worker> workers() {
        List<Worker> all = new ArrayList<>(vcpus);
        all.addAll(sources);
        return all;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("machine closed");
        }
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /**
     * The host side one GIC sees. A binding goes dead when its GIC is replaced, so a late line change from the
     * old GIC (its close lowers every line) cannot overwrite what the new one reported.
     */
    private final class Binding implements GicHost {
        volatile boolean live = true;

        @Override
        public GuestMemory memory() {
            return ram;
        }

        @Override
        public void setIrq(int cpu, boolean asserted) {
            if (live && cpu >= 0 && cpu < vcpus.size()) {
                vcpus.get(cpu).irq(asserted);
            }
        }

        /** The guest puts every interrupt in Group 1, so FIQ (Group 0) is never asserted for it. */
        @Override
        public void setFiq(int cpu, boolean asserted) {
        }

        @Override
        public void guestError(String block, String message) {
            guestErrors.incrementAndGet();
            synchronized (recentGuestErrors) {
                if (recentGuestErrors.size() == GUEST_ERRORS_KEPT) {
                    recentGuestErrors.removeFirst();
                }
                recentGuestErrors.addLast(block + ": " + message);
            }
        }
    }
}
