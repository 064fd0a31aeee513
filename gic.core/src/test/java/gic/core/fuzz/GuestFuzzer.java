package gic.core.fuzz;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.api.IccRegister;
import gic.api.ItsConfig;
import gic.api.MmioRegion;
import gic.core.GicCore;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A hostile guest and its devices, driven by a seeded random generator, against one GIC of a provider,
 * with the host's invariants checked after every call into the GIC.
 *
 * <h2>Operations</h2>
 * A weighted mix (each provider adds its own): MMIO reads and writes anywhere in every frame (sizes 1, 2,
 * 4, 8 and invalid ones, aligned or not, known registers and random offsets), system registers by name
 * and by random encoding, acknowledging and ending interrupts, SPI and PPI wires, LPI tables
 * (GICR_PROPBASER / GICR_PENDBASER inside RAM, outside it, straddling its end, overlapping, with reserved
 * bits and any IDbits), EnableLPIs, the guest's own stores into its tables, MSIs at every doorbell and at
 * random addresses with random DeviceIDs, diagnostics, and (hostile runs) the host taking RAM away for a
 * few operations. A <em>benign</em> fuzzer keeps every
 * address it gives the GIC (and every table extent) inside RAM, often flush with its end, and scribbles
 * only on data, never on pointers: then the GIC must never ask for memory outside RAM at all.
 *
 * <h2>Invariants, after every call</h2>
 * <ol>
 * <li>no exception escapes the GIC;</li>
 * <li>every memory request was well formed ({@link RecordingMemory}), and in a benign run none was
 *     outside RAM; a refused request was noticed by the model (a guest error, or an MSI dropped for a
 *     memory fault), never silently used;</li>
 * <li>the call's memory requests, bytes and ITS work units stay within the documented work bound
 *     ({@link #workUnitLimit()}, {@link #requestLimit});</li>
 * <li>the bytes the call allocated stay within {@link #allocationLimit}, which depends on the
 *     configuration and the work done, not on guest-chosen sizes;</li>
 * <li>after every operation, re-evaluating each CPU (a read of ICC_HPPIR1_EL1) changes no IRQ or FIQ line:
 *     every change of state already drove the lines, so no interrupt waits unsignalled;</li>
 * <li>every {@link #ROUND_TRIP_EVERY} operations (and at the end): snapshot → bytes → restore into the same
 *     provider → snapshot gives the same bytes; so does a trip through a core-only GIC and back; one time in
 *     {@link #CONTINUE_WITH_RESTORED} the run then goes on with the restored GIC;</li>
 * <li>every {@link #RETAINED_EVERY} operations (and at the end): the heap the GIC holds
 *     ({@link RetainedSize}) is within {@link #retainedLimit()}, a bound from the configuration alone.</li>
 * </ol>
 * A broken invariant throws an {@link AssertionError} naming the seed, the step, the call, the last
 * operations and memory requests.
 */
public abstract class GuestFuzzer {

    public static final long RAM_BASE = 0x4000_0000L;
    /** The ITS work bound per access, as the README documents it ("Commands and errors"). */
    public static final long WORK_PER_ACCESS = 1 << 16;
    public static final int ROUND_TRIP_EVERY = 1_000;
    public static final int RETAINED_EVERY = 5_000;
    /** One snapshot round trip in this many goes on with the restored GIC. */
    public static final int CONTINUE_WITH_RESTORED = 10;
    /** Memory requests one ITS command may make (command, level-1 descriptors, entries, one config byte). */
    public static final int REQUESTS_PER_COMMAND = 10;

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int RECENT = 24;
    /** Excesses of the allocation bound tolerated per run as one-off costs (class loading, linkage). */
    private static final int ONE_OFF_EXCESSES = 3;
    private static final long ONE_OFF_LIMIT = 4 << 20;

    /** What kind of call: a guest's or a device's (bounded work), the host's (snapshot, restore...), diagnostics. */
    protected enum Kind { GUEST, HOST, DIAGNOSTICS }

    private record Op(String name, int weight, Runnable body) {
    }

    protected final long seed;
    protected final SplittableRandom rng;
    protected final boolean hostile;
    protected final GicConfig config;
    protected final RecordingMemory mem;
    protected final FuzzHost host;
    /** The host of the copies a round trip makes: the same RAM, its own lines and guest-error count. */
    protected final FuzzHost shadowHost;
    protected final FuzzStats stats = new FuzzStats();
    protected Gic gic;

    private final List<Op> ops = new ArrayList<>();
    private boolean checkAllocation = true;
    private int totalWeight;
    private long step;
    private final Object[] recent = new Object[RECENT];
    private int recentCount;
    private volatile long callStartNanos;
    private final Map<String, Long> counterTotals = new TreeMap<>();

    // What the guest has set up, so later operations can aim (or miss on purpose).
    /**
     * RAM from {@link #RAM_BASE} up to here holds the LPI tables at fixed places: the shared property table,
     * then one pending table per CPU ({@link #pendSlot}). A benign guest uses only these; the rest of RAM is
     * for the provider's tables ({@link #providerArena}).
     */
    protected final long lpiAreaEnd;
    /** The property table every CPU shares when the guest is orderly (a hostile one moves it). */
    protected long propTable;
    protected final List<Integer> acknowledged = new ArrayList<>();
    /** The step at which RAM the host took away ({@link #unmapRam}) comes back. */
    private long remapAt = -1;

    /**
     * @param seed     the seed: it alone decides the configuration and every operation
     * @param hostile  {@code false} for a benign run (every address inside RAM)
     * @param config   the GIC's configuration
     * @param ramBytes RAM at {@link #RAM_BASE}
     */
    protected GuestFuzzer(long seed, boolean hostile, GicConfig config, int ramBytes) {
        this.seed = seed;
        this.rng = new SplittableRandom(seed * 0x9E37_79B9_7F4A_7C15L + 0x1234_5678L);
        this.hostile = hostile;
        this.config = config;
        this.mem = new RecordingMemory(RAM_BASE, ramBytes);
        this.host = new FuzzHost(mem);
        this.shadowHost = new FuzzHost(mem);
        this.propTable = RAM_BASE;
        long lpis = 1L << config.lpiIdBits();
        this.lpiAreaEnd = RAM_BASE + roundUp(lpis, 0x10000) + config.cpuCount() * roundUp(lpis / 8, 0x10000);
        if (!hostile) {
            // A benign guest's LPI tables: nothing may touch the rest of their slots, nor the first 1 KiB of
            // a pending table (IHI 0069: INTIDs below 8192, IMPLEMENTATION DEFINED, which we never use).
            mem.guard(RAM_BASE + lpis - 8192, pendSlot(0));
            for (int c = 0; c < config.cpuCount(); c++) {
                mem.guard(pendSlot(c), pendSlot(c) + 1024);
                mem.guard(pendSlot(c) + lpis / 8, c + 1 < config.cpuCount() ? pendSlot(c + 1) : lpiAreaEnd);
            }
        }
        op("mmio", 30, this::mmioAnywhere);
        op("sysreg", 14, this::sysreg);
        op("take interrupts", 10, this::takeInterrupts);
        op("wires", 8, this::wires);
        op("lpi tables", 4, this::lpiTables);
        op("EnableLPIs", 5, this::toggleLpis);
        op("guest stores", 5, this::guestStores);
        op("msi", 8, this::msiAnywhere);
        op("bring-up", 1, this::bringUp);
        if (hostile) {
            op("host unmaps RAM", 1, this::unmapRam);
        }
        op("diagnostics", 1, () -> {
            if (chance(20)) {
                diagnostics();
            }
        });
    }

    /** A random configuration: 1-4 CPUs, any SPI count, 14-16 INTID bits (up to 20 rarely), 5-8 priority bits. */
    protected static GicConfig randomConfig(SplittableRandom r, List<ItsConfig> itses) {
        int cpus = 1 + r.nextInt(4);
        List<Integer> aff = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            aff.add(r.nextBoolean() ? i : (i / 2) << 8 | (i % 2) | (r.nextInt(4) == 0 ? i << 16 : 0));
        }
        int spis = 32 * (1 + r.nextInt(31));
        int bits = r.nextInt(10) == 0 ? 17 + r.nextInt(4) : 14 + r.nextInt(3);
        if (bits > 17 && cpus > 2) {
            aff = aff.subList(0, 2);
        }
        return new GicConfig(aff, spis, bits, 5 + r.nextInt(4), GicConfig.VIRT_GICD_BASE, GicConfig.VIRT_GICR_BASE,
            itses);
    }

    private static long roundUp(long n, long align) {
        return (n + align - 1) & -align;
    }

    /** CPU {@code cpu}'s own pending table, after the property table (64 KiB aligned). */
    protected final long pendSlot(int cpu) {
        long lpis = 1L << config.lpiIdBits();
        return RAM_BASE + roundUp(lpis, 0x10000) + cpu * roundUp(lpis / 8, 0x10000);
    }

    /** The RAM above the LPI tables, for the provider's own tables (guarded between pieces if benign). */
    protected final Arena providerArena() {
        return new Arena(lpiAreaEnd, mem.end(), hostile ? null : mem);
    }

    /** RAM for a configuration: room for every table, and more for wide INTIDs. */
    protected static int ramFor(GicConfig c) {
        return c.lpiIdBits() > 16 ? 8 << 20 : 4 << 20;
    }

    // ---------------------------------------------------------------------------------------------
    // What a provider adds

    /** The provider under test. */
    protected abstract GicProvider provider();

    /** For a report: what the run's configuration was. */
    public abstract String describe();

    /** Registers an operation of the mix. */
    protected final void op(String name, int weight, Runnable body) {
        ops.add(new Op(name, weight, body));
        totalWeight += weight;
    }

    /** Doorbells a device may write besides GICD_SETSPI_NSR. */
    protected List<Long> doorbells() {
        return List.of();
    }

    /** Offsets of registers in {@code region} worth aiming at (the fuzzer also hits random offsets). */
    protected long[] registerOffsets(MmioRegion region) {
        return switch (region.name()) {
            case "GICD" -> new long[] {0x0, 0x4, 0x8, 0xC, 0x10, 0x40, 0x48, 0x80, 0x84, 0x100, 0x104, 0x180, 0x200,
                0x204, 0x280, 0x300, 0x380, 0x400, 0x420, 0x7F8, 0xC00, 0xC08, 0x6100, 0x6108, 0x6100 + 8 * 200,
                0x7EF8, 0xFFE8, 0xFFD0};
            case "GICR" -> gicrOffsets();
            default -> new long[] {0};
        };
    }

    private long[] gicrOffsets() {
        long[] rd = {0x0, 0x4, 0x8, 0xC, 0x14, 0x70, 0x74, 0x78, 0x7C, 0xFFE8, 0x40, 0x48, 0xA0, 0xB0, 0xC0};
        long[] sgi = {0x80, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x41C, 0xC00, 0xC04, 0xD00};
        long[] out = new long[config.cpuCount() * (rd.length + sgi.length)];
        int k = 0;
        for (int c = 0; c < config.cpuCount(); c++) {
            for (long o : rd) {
                out[k++] = c * GicConfig.REDISTRIBUTOR_STRIDE + o;
            }
            for (long o : sgi) {
                out[k++] = c * GicConfig.REDISTRIBUTOR_STRIDE + 0x10000 + o;
            }
        }
        return out;
    }

    /**
     * Whether an access of {@code size} bytes at {@code offset} of {@code region} touches a register that
     * holds a table address (GICR_PROPBASER, GICR_PENDBASER; an ITS adds its own). A benign guest writes
     * them only with addresses inside RAM.
     */
    protected boolean pointerRegister(MmioRegion region, long offset, int size) {
        if (!region.name().equals("GICR")) {
            return false;
        }
        long o = Math.floorMod(offset, GicConfig.REDISTRIBUTOR_STRIDE);
        return o < 0x80 && o + Math.max(size, 8) > 0x70;
    }

    /** After the core's bring-up: the provider's own (an ITS's tables and queue). */
    protected void bringUpLpiBackEnd() {
    }

    /** Bytes the provider's own state may hold beyond the core's (an ITS's translation cache). */
    protected long retainedExtra() {
        return 0;
    }

    /** Faults the model noticed other than guest errors since the last call (an ITS's memory-fault drops). */
    protected long faultsNoticedOtherwise() {
        return 0;
    }

    // ---------------------------------------------------------------------------------------------
    // The run

    /**
     * Runs {@code operations} operations without the allocation check: the first run of each code path in
     * a JVM loads classes and links call sites, which costs the calling thread once. Run this on a fuzzer
     * of its own before measured runs.
     */
    public FuzzStats warmUp(long operations) {
        checkAllocation = false;
        return run(operations);
    }

    /** Runs {@code operations} operations on a fresh GIC, then the final checks. */
    public FuzzStats run(long operations) {
        silenceGuestLogs();
        gic = hostCall(() -> "create", () -> provider().create(config, host));
        bringUp();
        for (step = 0; step < operations; step++) {
            if (step == remapAt) {
                mem.remap();
            }
            Op op = pickOp();
            long t0 = System.nanoTime();
            op.body.run();
            stats.opNanos.merge(op.name, System.nanoTime() - t0, Long::sum);
            stats.ops++;
            probeLines();
            if ((step + 1) % ROUND_TRIP_EVERY == 0) {
                roundTrip();
            }
            if ((step + 1) % RETAINED_EVERY == 0) {
                checkRetained();
            }
        }
        roundTrip();
        checkRetained();
        accumulateCounters();
        closeGic(gic);
        stats.counters = counterTotals;
        return stats;
    }

    private Op pickOp() {
        int r = rng.nextInt(totalWeight);
        for (Op op : ops) {
            r -= op.weight;
            if (r < 0) {
                return op;
            }
        }
        throw new IllegalStateException();
    }

    /** The call in progress and for how long, for a watchdog's message. */
    public String describeCurrent() {
        long ms = (System.nanoTime() - callStartNanos) / 1_000_000;
        return String.format("seed %d step %d: the last call has run for %d ms%n%s", seed, step, ms, recentText());
    }

    // ---------------------------------------------------------------------------------------------
    // Calls into the GIC, each checked

    protected final long read(MmioRegion r, long offset, int size) {
        return guard(Kind.GUEST, () -> String.format("read %s+0x%x size %d", r.name(), offset, size),
            () -> r.read(offset, size));
    }

    protected final void write(MmioRegion r, long offset, int size, long value) {
        guard(Kind.GUEST, () -> String.format("write %s+0x%x size %d = 0x%x", r.name(), offset, size, value), () -> {
            r.write(offset, size, value);
            return 0;
        });
    }

    protected final long sysRead(int cpu, IccRegister reg) {
        return guard(Kind.GUEST, () -> "CPU" + cpu + " MRS " + reg, () -> gic.cpu(cpu).read(reg));
    }

    protected final void sysWrite(int cpu, IccRegister reg, long value) {
        guard(Kind.GUEST, () -> String.format("CPU%d MSR %s = 0x%x", cpu, reg, value), () -> {
            gic.cpu(cpu).write(reg, value);
            return 0;
        });
    }

    protected final boolean msi(long address, int size, long data, int deviceId) {
        return guard(Kind.GUEST, () -> String.format("msi 0x%x size %d data 0x%x device 0x%x", address, size, data,
            deviceId), () -> gic.msi(address, size, data, deviceId) ? 1 : 0) != 0;
    }

    /** Any other call a guest or device makes (wires, by encoding...). */
    protected final void device(Supplier<String> what, Runnable call) {
        guard(Kind.GUEST, what, () -> {
            call.run();
            return 0;
        });
    }

    /** A host call (create, snapshot, restore, close): its own bounds. */
    protected final <T> T hostCall(Supplier<String> what, Supplier<T> call) {
        Object[] out = new Object[1];
        guard(Kind.HOST, what, () -> {
            out[0] = call.get();
            return 0;
        });
        @SuppressWarnings("unchecked")
        T t = (T) out[0];
        return t;
    }

    private long guard(Kind kind, Supplier<String> what, LongSupplier body) {
        remember(what);
        long errors = host.guestErrors() + shadowHost.guestErrors();
        mem.beginCall();
        callStartNanos = System.nanoTime();
        long allocated = THREADS.getCurrentThreadAllocatedBytes();
        long result;
        try {
            result = body.getAsLong();
        } catch (Throwable t) {
            throw failure("an exception escaped the GIC in " + what.get(), t);
        }
        allocated = THREADS.getCurrentThreadAllocatedBytes() - allocated;
        RecordingMemory.Call c = mem.endCall();
        stats.calls++;
        if (mem.violation() != null) {
            throw failure("ill-formed memory request: " + mem.violation(), null);
        }
        if (c.pageCrossings() > 0 && kind != Kind.DIAGNOSTICS) {
            throw failure(c.pageCrossings() + " memory request(s) crossed a 4 KiB page boundary", null);
        }
        if (c.refused() > 0) {
            stats.refusedRequests += c.refused();
            if (!hostile) {
                throw failure("a benign guest's GIC asked for memory outside RAM", null);
            }
            if (kind != Kind.DIAGNOSTICS && host.guestErrors() + shadowHost.guestErrors() == errors
                && faultsNoticedOtherwise() == 0) {
                throw failure(c.refused() + " refused memory request(s) went unnoticed: no guest error, no drop", null);
            }
        }
        long units = c.commands() + c.tableWideCommands() * tableCommandCost();
        if (units > workUnitLimit()) {
            throw failure(String.format("%d work units in one access (%d commands, %d table-wide), more than %d",
                units, c.commands(), c.tableWideCommands(), workUnitLimit()), null);
        }
        long requestLimit = requestLimit(kind, c);
        if (c.requests() > requestLimit) {
            throw failure(String.format("%d memory requests in one call, more than %d", c.requests(), requestLimit),
                null);
        }
        long byteLimit = byteLimit(kind, c);
        if (c.bytes() > byteLimit) {
            throw failure(String.format("%d bytes of memory in one call, more than %d", c.bytes(), byteLimit), null);
        }
        long allocationLimit = allocationLimit(kind, c);
        if (allocated > allocationLimit) {
            // A code path's first run loads classes and links lambdas on this thread: a one-off cost, so a
            // few excesses below ONE_OFF_LIMIT are tolerated (and counted); a repeated one is not.
            if (checkAllocation && (allocated > ONE_OFF_LIMIT || stats.allocationOutliers >= ONE_OFF_EXCESSES)) {
                throw failure(String.format("%d bytes allocated in one call, more than %d", allocated,
                    allocationLimit), null);
            }
            stats.allocationOutliers++;
        }
        stats.record(kind == Kind.GUEST, c, units, allocated);

        return result;
    }

    /** Cost units of one table-wide ITS command beyond its own: one per 16 INTIDs. */
    protected final long tableCommandCost() {
        return (1L << config.lpiIdBits()) / 16;
    }

    /**
     * Units one access may do: {@link #WORK_PER_ACCESS}, plus the command that crosses it (the budget is
     * checked before each command) and one failed attempt.
     */
    protected final long workUnitLimit() {
        return WORK_PER_ACCESS + 2 * (1 + tableCommandCost());
    }

    /** Pages of the largest LPI table (the property table), plus two for misalignment. */
    private long lpiTablePages() {
        return (1L << config.lpiIdBits()) / RecordingMemory.PAGE + 2;
    }

    /**
     * Memory requests one call may make. A guest's call: {@value #REQUESTS_PER_COMMAND} per ITS command it
     * runs, one LPI table's pages for each table-wide command and for two more table passes (EnableLPIs reads
     * the property and pending tables), and 16 more. The host's: two table passes per CPU (snapshot writes
     * the pending tables back, restore reads the property tables). Diagnostics: at most their scan budget.
     */
    protected long requestLimit(Kind kind, RecordingMemory.Call c) {
        return switch (kind) {
            case GUEST -> REQUESTS_PER_COMMAND * c.commands() + lpiTablePages() * (c.tableWideCommands() + 2) + 16;
            case HOST -> lpiTablePages() * 2 * config.cpuCount() + 16;
            case DIAGNOSTICS -> diagnosticsByteLimit() / 8 + 16;
        };
    }

    /** Bytes one call may move: the requests above at their sizes. */
    protected long byteLimit(Kind kind, RecordingMemory.Call c) {
        long table = 1L << config.lpiIdBits();
        return switch (kind) {
            case GUEST -> 128 * c.commands() + table * (c.tableWideCommands() + 2) + RecordingMemory.PAGE;
            case HOST -> table * 2 * config.cpuCount() + RecordingMemory.PAGE;
            case DIAGNOSTICS -> diagnosticsByteLimit();
        };
    }

    /** The README's scan bound of {@code Gic.diagnostics()}: 64 MiB per ITS. */
    private long diagnosticsByteLimit() {
        return (64L << 20) * Math.max(1, config.itses().size()) + RecordingMemory.PAGE;
    }

    /**
     * Bytes one call may allocate. A guest's call: 64 KiB, plus 8 KiB per ITS command it runs (decoding,
     * error text, log lines: about 4 KiB measured for a failing command), plus a quarter of an LPI table
     * per table pass (EnableLPIs reads the pending table into a buffer), plus one redistributor's priority
     * index per table pass (its summary bitmaps are made when a priority level is first used: retained
     * state, within {@link #retainedLimit()}). The host's: four times the retained bound (a restore builds
     * a whole GIC; a snapshot copies the pending LPIs).
     */
    protected long allocationLimit(Kind kind, RecordingMemory.Call c) {
        long table = 1L << config.lpiIdBits();
        return switch (kind) {
            case GUEST -> (64 << 10) + 8192 * c.commands()
                + (table / 4 + lpiIndexBytes()) * (c.tableWideCommands() + 2);
            case HOST -> 4 * retainedLimit() + (1 << 20);
            case DIAGNOSTICS -> (16 << 20) + diagnosticsByteLimit();
        };
    }

    /**
     * The heap one GIC may hold, from its configuration alone (README "Configuration"): per CPU, one
     * configuration byte and one pending bit per LPI and one summary bitmap per priority level in use
     * (2^min(priority bits, 6) levels, each a bit per LPI and 1/64 of that again), plus 16 KiB; 16 bytes
     * per SPI; 256 KiB of fixed state (register tables, counters); and the provider's own
     * ({@link #retainedExtra()}).
     */
    public long retainedLimit() {
        long lpis = 1L << config.lpiIdBits();
        long perCpu = lpis + lpis / 8 + lpiIndexBytes() + (16 << 10);
        return perCpu * config.cpuCount() + 16L * config.spiCount() + (256 << 10) + retainedExtra();
    }

    /** One redistributor's index of pending LPIs: a summary bitmap per priority level in use, all levels used. */
    private long lpiIndexBytes() {
        long lpis = 1L << config.lpiIdBits();
        int levels = 1 << Math.min(config.priorityBits(), 6);
        return levels * (lpis / 8 + lpis / 512 + 128);
    }

    private void checkRetained() {
        long bytes = RetainedSize.of(gic, host, mem);
        stats.maxRetained = Math.max(stats.maxRetained, bytes);
        if (bytes > retainedLimit()) {
            throw failure(String.format("the GIC holds about %d bytes, more than its bound %d", bytes,
                retainedLimit()), null);
        }
    }

    /** Invariant 5: a CPU's re-evaluation must find its lines already right. */
    private void probeLines() {
        long changes = host.lineChanges();
        device(() -> "re-evaluate every CPU (ICC_HPPIR1_EL1)", () -> {
            for (int c = 0; c < config.cpuCount(); c++) {
                gic.cpu(c).read(IccRegister.HPPIR1);
            }
        });
        if (host.lineChanges() != changes) {
            throw failure("an IRQ/FIQ line was stale: re-evaluating a CPU changed it", null);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Snapshots

    /**
     * Invariant 6. The copies are made on a second host that shares the RAM ({@link #shadowHost}) and
     * closed again, except one time in {@link #CONTINUE_WITH_RESTORED}, when the run goes on with the
     * restored GIC (so later operations work on restored state, while a GIC still lives long enough for a
     * leak to show in {@link #checkRetained()}).
     */
    protected final void roundTrip() {
        stats.roundTrips++;
        boolean switchOver = rng.nextInt(CONTINUE_WITH_RESTORED) == 0;
        GicSnapshot s1 = hostCall(() -> "snapshot", gic::snapshot);
        byte[] b1 = s1.toBytes();
        GicSnapshot s1b = GicSnapshot.fromBytes(b1);
        if (!Arrays.equals(b1, s1b.toBytes())) {
            throw failure("a snapshot's encoding does not read back to the same bytes", null);
        }
        Gic restored;
        if (switchOver) {
            accumulateCounters();
            closeGic(gic);
            restored = hostCall(() -> "restore", () -> provider().restore(s1b, host));
        } else {
            restored = hostCall(() -> "restore on a second host", () -> provider().restore(s1b, shadowHost));
        }
        GicSnapshot s2 = hostCall(() -> "snapshot of the restored GIC", restored::snapshot);
        requireSame(s1b, s2, "restore into the same provider");
        Gic core = hostCall(() -> "restore into a core-only GIC", () -> GicCore.restore(s1b, shadowHost));
        GicSnapshot s3 = hostCall(() -> "snapshot of the core-only GIC", core::snapshot);
        requireSame(s1b, new GicSnapshot(s3.formatVersion(), s1b.lpiMode(), s3.config(), s3.distributor(),
            s3.redistributors(), s3.itses()), "restore into a core-only GIC");
        closeGic(core);
        Gic back = hostCall(() -> "restore from the core-only GIC", () -> provider().restore(s3, shadowHost));
        GicSnapshot s4 = hostCall(() -> "snapshot after the trip through a core-only GIC", back::snapshot);
        requireSame(s1b, s4, "a trip through a core-only GIC and back");
        closeGic(back);
        if (switchOver) {
            gic = restored;
        } else {
            closeGic(restored);
        }
    }

    private void closeGic(Gic g) {
        hostCall(() -> "close", () -> {
            g.close();
            return null;
        });
    }

    private void requireSame(GicSnapshot expected, GicSnapshot actual, String how) {
        if (Arrays.equals(expected.toBytes(), actual.toBytes())) {
            return;
        }
        StringBuilder d = new StringBuilder("snapshot → " + how + " → snapshot differs:");
        if (!expected.distributor().equals(actual.distributor())) {
            d.append("\n  distributor ").append(expected.distributor()).append("\n           vs ")
                .append(actual.distributor());
        }
        for (int i = 0; i < expected.redistributors().size(); i++) {
            if (!expected.redistributors().get(i).equals(actual.redistributors().get(i))) {
                d.append("\n  redistributor ").append(i).append(' ').append(expected.redistributors().get(i))
                    .append("\n             vs ").append(actual.redistributors().get(i));
            }
        }
        if (!expected.itses().equals(actual.itses())) {
            d.append("\n  ITSes ").append(expected.itses()).append("\n     vs ").append(actual.itses());
        }
        if (!expected.lpiMode().equals(actual.lpiMode()) || !expected.config().equals(actual.config())) {
            d.append("\n  mode/config ").append(expected.lpiMode()).append(' ').append(actual.lpiMode());
        }
        throw failure(d.toString(), null);
    }

    private void accumulateCounters() {
        gic.counters().forEach((k, v) -> counterTotals.merge(k, v, Long::sum));
    }

    // ---------------------------------------------------------------------------------------------
    // Failures

    private void remember(Supplier<String> what) {
        recent[recentCount++ % RECENT] = what;
    }

    private String recentText() {
        StringBuilder b = new StringBuilder("last calls:\n");
        for (int i = Math.max(0, recentCount - RECENT); i < recentCount; i++) {
            Object o = recent[i % RECENT];
            b.append("  ").append(o instanceof Supplier<?> s ? s.get() : o).append('\n');
        }
        return b.toString();
    }

    /** An assertion error naming the seed, step and configuration, with the recent calls and requests. */
    protected final AssertionError failure(String what, Throwable cause) {
        StringBuilder b = new StringBuilder();
        b.append(what).append('\n');
        b.append(String.format("seed %d, step %d, %s run; replay with -D%s=%d -D%s=%d%n", seed, step,
            hostile ? "hostile" : "benign", FuzzSettings.SEED, seed, FuzzSettings.OPS, step + 1));
        b.append("config ").append(config).append('\n');
        b.append("last guest error: ").append(host.lastGuestError()).append('\n');
        b.append(recentText());
        b.append("last memory requests:\n");
        List<String> trace = mem.trace();
        for (String t : trace.subList(Math.max(0, trace.size() - 16), trace.size())) {
            b.append("  ").append(t).append('\n');
        }
        AssertionError e = new AssertionError(b.toString(), cause);
        return e;
    }

    // ---------------------------------------------------------------------------------------------
    // Values

    protected final boolean chance(int percent) {
        return rng.nextInt(100) < percent;
    }

    protected final int pick(int... values) {
        return values[rng.nextInt(values.length)];
    }

    protected final long pick(long... values) {
        return values[rng.nextInt(values.length)];
    }

    /** A value of any shape: zero, all ones, one bit, few bits, small, 32-bit, random. */
    protected final long anyLong() {
        return switch (rng.nextInt(10)) {
            case 0 -> 0;
            case 1 -> -1L;
            case 2 -> 1L << rng.nextInt(64);
            case 3 -> rng.nextLong(256);
            case 4 -> ~(1L << rng.nextInt(64));
            case 5 -> rng.nextInt() & 0xFFFF_FFFFL;
            case 6 -> rng.nextLong(1L << 20);
            default -> rng.nextLong();
        };
    }

    /** An access size: mostly 4 and 8, also 1 and 2, sometimes one no register allows. */
    protected final int anySize() {
        int r = rng.nextInt(100);
        return r < 40 ? 4 : r < 70 ? 8 : r < 80 ? 1 : r < 90 ? 2 : pick(0, 3, 5, 16, -1, 7);
    }

    /** An INTID of any kind: SGI, PPI, SPI, special, LPI (mostly low), or anything. */
    protected final int anyIntid() {
        int lpiLimit = 1 << config.lpiIdBits();
        return switch (rng.nextInt(8)) {
            case 0 -> rng.nextInt(32);
            case 1, 2 -> 32 + rng.nextInt(config.spiCount() + 8);
            case 3 -> 1020 + rng.nextInt(4);
            case 4, 5 -> 8192 + rng.nextInt(64);
            case 6 -> 8192 + rng.nextInt(lpiLimit - 8192 + 16);
            default -> rng.nextInt();
        };
    }

    /** A CPU index of this GIC. */
    protected final int anyCpu() {
        return rng.nextInt(config.cpuCount());
    }

    /**
     * A guest physical address for a table of {@code extent} bytes aligned to {@code align}. Benign: inside
     * RAM, flush with its end one time in four (if it fits at all; otherwise at the start of RAM). Hostile:
     * also outside RAM, straddling its end, at zero, at the top of the 52-bit space, or anywhere.
     */
    protected final long tableAddress(long extent, long align) {
        long ramEnd = mem.end();
        if (hostile && chance(25)) {
            return switch (rng.nextInt(7)) {
                case 0 -> ramEnd;
                case 1 -> (ramEnd - extent / 2) & -align;
                case 2 -> 0;
                case 3 -> ((1L << 52) - align) & -align;
                case 4 -> (RAM_BASE - align) & -align;
                case 5 -> propTable & -align;
                default -> rng.nextLong(1L << 52) & -align;
            };
        }
        if (extent > mem.size()) {
            return RAM_BASE;
        }
        long slots = (mem.size() - extent) / align;
        if (chance(25)) {
            return (ramEnd - extent) & -align;
        }
        return RAM_BASE + rng.nextLong(slots + 1) * align;
    }

    // ---------------------------------------------------------------------------------------------
    // Core operations

    private void mmioAnywhere() {
        List<MmioRegion> regions = gic.regions();
        MmioRegion r = regions.get(rng.nextInt(regions.size()));
        long offset;
        int k = rng.nextInt(100);
        if (k < 65) {
            long[] known = registerOffsets(r);
            offset = known[rng.nextInt(known.length)] + (chance(15) ? rng.nextInt(8) : 0);
        } else if (k < 97) {
            offset = rng.nextLong(r.size());
        } else {
            offset = pick(r.size(), -1, -4, Long.MIN_VALUE, Long.MAX_VALUE, r.size() + 0x1000);
        }
        int size = anySize();
        if (chance(50) || !hostile && pointerRegister(r, offset, size)) {
            read(r, offset, size);
        } else {
            write(r, offset, size, anyLong());
        }
    }

    private void sysreg() {
        int cpu = anyCpu();
        if (chance(8)) {
            int op0 = pick(3, 3, 3, rng.nextInt(4), -1);
            int op1 = pick(0, 0, rng.nextInt(8), 9);
            int crn = pick(12, 12, 4, rng.nextInt(16), 77);
            int crm = rng.nextInt(17);
            int op2 = rng.nextInt(9);
            long v = anyLong();
            if (chance(50)) {
                device(() -> String.format("CPU%d MRS S%d_%d_C%d_C%d_%d", cpu, op0, op1, crn, crm, op2),
                    () -> gic.cpu(cpu).readSysReg(op0, op1, crn, crm, op2));
            } else {
                device(() -> String.format("CPU%d MSR S%d_%d_C%d_C%d_%d = 0x%x", cpu, op0, op1, crn, crm, op2, v),
                    () -> gic.cpu(cpu).writeSysReg(op0, op1, crn, crm, op2, v));
            }
            return;
        }
        IccRegister[] regs = IccRegister.values();
        IccRegister reg = regs[rng.nextInt(regs.length)];
        if (chance(50)) {
            sysRead(cpu, reg);
            return;
        }
        long v = switch (reg) {
            case EOIR0, EOIR1, DIR -> !acknowledged.isEmpty() && chance(70)
                ? acknowledged.get(rng.nextInt(acknowledged.size())) : anyIntid();
            case SGI0R, SGI1R, ASGI1R -> sgiValue();
            case PMR -> pick(0xFF, 0xF0, 0x80, 0, anyLong());
            default -> anyLong();
        };
        sysWrite(cpu, reg, v);
    }

    private long sgiValue() {
        long intid = rng.nextInt(16);
        long targets = chance(50) ? 1L << rng.nextInt(4) : rng.nextInt(1 << 16);
        long v = intid << 24 | targets;
        if (chance(20)) {
            v |= 1L << 40; // IRM: all but self
        }
        if (chance(20)) {
            v |= anyLong() & (0xFFL << 16 | 0xFFL << 32 | 0xFL << 44 | 0xFFL << 48);
        }
        return chance(5) ? anyLong() : v;
    }

    private void takeInterrupts() {
        int cpu = anyCpu();
        boolean group1 = chance(80);
        for (int i = 0; i < 1 + rng.nextInt(8); i++) {
            int id = (int) sysRead(cpu, group1 ? IccRegister.IAR1 : IccRegister.IAR0);
            if (id >= 1020 && id <= 1023) {
                return;
            }
            if (acknowledged.size() < 64) {
                acknowledged.add(id);
            } else {
                acknowledged.set(rng.nextInt(64), id);
            }
            if (chance(90)) {
                sysWrite(cpu, group1 ? IccRegister.EOIR1 : IccRegister.EOIR0, id);
                if (chance(30)) {
                    sysWrite(cpu, IccRegister.DIR, id);
                }
            }
        }
    }

    private void wires() {
        if (chance(60)) {
            int intid = chance(80) ? 32 + rng.nextInt(config.spiCount()) : anyIntid();
            boolean level = rng.nextBoolean();
            if (chance(30)) {
                device(() -> "pulse SPI " + intid, () -> gic.pulseSpi(intid));
            } else {
                device(() -> "SPI " + intid + " level " + level, () -> gic.setSpiLevel(intid, level));
            }
        } else {
            int cpu = chance(90) ? anyCpu() : pick(-1, config.cpuCount(), Integer.MAX_VALUE);
            int intid = chance(85) ? 16 + rng.nextInt(16) : anyIntid();
            boolean level = rng.nextBoolean();
            device(() -> "CPU" + cpu + " PPI " + intid + " level " + level, () -> gic.setPpiLevel(cpu, intid, level));
        }
    }

    /** RD_base register {@code offset} of {@code cpu}, as a guest writes it: 64-bit, or two 32-bit halves. */
    protected final void writeRd(int cpu, long offset, long value) {
        MmioRegion gicr = gic.regionAt(config.redistributorBase());
        long at = cpu * GicConfig.REDISTRIBUTOR_STRIDE + offset;
        if (chance(70)) {
            write(gicr, at, 8, value);
        } else {
            write(gicr, at, 4, value & 0xFFFF_FFFFL);
            write(gicr, at + 4, 4, value >>> 32);
        }
    }

    /** GICR_PROPBASER: a table for {@code idBits} + 1 INTID bits, with attributes and, if hostile, reserved bits. */
    protected final long propbaserValue(long table, int idBits) {
        long v = (table & 0x000F_FFFF_FFFF_F000L) | idBits | (anyLong() & (0x3L << 10 | 0x7L << 7 | 0x7L << 56));
        return hostile && chance(20) ? v | (anyLong() & (0xF8L << 56 | 0xFL << 52 | 0x3L << 5)) : v;
    }

    private void lpiTables() {
        int cpu = anyCpu();
        if (chance(70)) {
            writeRd(cpu, 0x0, 0); // EnableLPIs = 0 first, as a driver must
        }
        int bits = config.lpiIdBits();
        int idBits = hostile && chance(30) ? rng.nextInt(32) : 13 + rng.nextInt(bits - 13);
        if (hostile && chance(40)) {
            propTable = chance(50) ? RAM_BASE : tableAddress((1L << bits) - 8192, 0x1000);
        }
        writeRd(cpu, 0x70, propbaserValue(propTable, idBits));
        long pend = hostile && chance(40) ? tableAddress((1L << bits) / 8, 0x10000) : pendSlot(cpu);
        long pendbaser = (pend & 0x000F_FFFF_FFFF_0000L) | (chance(50) ? 1L << 62 : 0)
            | (anyLong() & (0x3L << 10 | 0x7L << 7 | 0x7L << 56));
        if (hostile && chance(20)) {
            pendbaser |= anyLong() & (1L << 63 | 0x7L << 59 | 0xFL << 52 | 0xFL << 12 | 0x7FL);
        }
        writeRd(cpu, 0x78, pendbaser);
        if (chance(90)) {
            writeRd(cpu, 0x0, 1);
        }
    }

    private void toggleLpis() {
        int cpu = anyCpu();
        writeRd(cpu, 0x0, chance(10) ? anyLong() : chance(75) ? 1 : 0);
    }

    private void guestStores() {
        int k = rng.nextInt(10);
        long lpis = 1L << config.lpiIdBits();
        if (k < 5) {
            // LPI configuration bytes: priority, Group 1 (RES1), enable; or junk
            long n = chance(70) ? rng.nextInt(64) : rng.nextLong(lpis - 8192);
            long v = chance(80) ? (rng.nextInt(256) & 0xFC) | 0b10 | (chance(85) ? 1 : 0) : rng.nextInt(256);
            mem.poke(propTable + n, 1, v);
        } else if (k < 7 || !hostile) {
            // a pending bit in some CPU's pending table
            long at = pendSlot(anyCpu()) + 1024 + rng.nextLong(lpis / 8 - 1024);
            mem.poke(at, 1, mem.peek(at, 1) | 1L << rng.nextInt(8));
        } else {
            // anything anywhere in RAM, pointers included
            long at = RAM_BASE + (rng.nextLong(mem.size() - 8) & ~7L);
            mem.poke(at, 8, anyLong());
        }
    }

    private void msiAnywhere() {
        List<Long> bells = new ArrayList<>(doorbells());
        bells.add(config.distributorBase() + 0x40);
        long address = chance(95) ? bells.get(rng.nextInt(bells.size()))
            : config.redistributorBase() + anyLong() % 0x100000;
        if (chance(10)) {
            address += pick(4, -4, 2, 0x10000, 8);
        }
        int size = chance(85) ? 4 : pick(1, 2, 8, 0, 3, 16);
        long data = chance(70) ? anyIntid() & 0xFFFF_FFFFL : anyLong();
        int device = chance(70) ? rng.nextInt(64) : (int) anyLong();
        msi(address, size, data, device);
    }

    /**
     * What an orderly OS does first: both groups on, every CPU awake with its CPU interface on, the first
     * LPIs configured in one shared property table, every CPU's tables programmed and EnableLPIs set.
     */
    protected void bringUp() {
        MmioRegion gicd = gic.regionAt(config.distributorBase());
        write(gicd, 0, 4, 0b11);
        int bits = config.lpiIdBits();
        propTable = RAM_BASE;
        for (int i = 0; i < 256; i++) {
            mem.poke(propTable + i, 1, 0xA0 | 0b11);
        }
        for (int c = 0; c < config.cpuCount(); c++) {
            writeRd(c, 0x14, 0);
            sysWrite(c, IccRegister.PMR, 0xF0);
            sysWrite(c, IccRegister.IGRPEN0, 1);
            sysWrite(c, IccRegister.IGRPEN1, 1);
            writeRd(c, 0x0, 0);
            writeRd(c, 0x70, propbaserValue(propTable, bits - 1));
            writeRd(c, 0x78, pendSlot(c) | 1L << 62);
            writeRd(c, 0x0, 1);
        }
        for (int intid = 32; intid < 32 + Math.min(64, config.spiCount()); intid += 32) {
            write(gicd, 0x80 + intid / 8, 4, -1L & 0xFFFF_FFFFL);
            write(gicd, 0x100 + intid / 8, 4, 0xFFFF_FFFFL);
        }
        bringUpLpiBackEnd();
    }

    /**
     * The host takes guest RAM away for the next few operations (an LPI table's page, a random 64 KiB,
     * all of it from the next request on, or writes only) and then gives it back: every request it refuses
     * meanwhile must be noticed, and the model must carry on.
     */
    private void unmapRam() {
        long lpis = 1L << config.lpiIdBits();
        switch (rng.nextInt(4)) {
            case 0 -> mem.unmap(propTable & ~0xFFFL, (propTable & ~0xFFFL) + 0x1000);
            case 1 -> {
                long at = RAM_BASE + (rng.nextLong(mem.size()) & -0x10000L);
                mem.unmap(at, at + 0x10000);
            }
            case 2 -> mem.failFrom(mem.requests() + rng.nextInt(4));
            default -> {
                long pend = pendSlot(anyCpu());
                mem.unmapWrites(pend, pend + lpis / 8);
            }
        }
        remapAt = step + 1 + rng.nextInt(20);
    }

    private void diagnostics() {
        guard(Kind.DIAGNOSTICS, () -> "diagnostics", () -> gic.diagnostics().length());
        guard(Kind.DIAGNOSTICS, () -> "counters", () -> gic.counters().size());
    }

    // ---------------------------------------------------------------------------------------------
    // Logs

    private static final List<java.util.logging.Logger> QUIET = new ArrayList<>();

    /** The model logs guest errors at a limited rate; a fuzz run makes millions, so the logs go quiet. */
    private static synchronized void silenceGuestLogs() {
        if (QUIET.isEmpty()) {
            for (String name : List.of("gic.guest", "gic.its", "gic.its.msi", "gic.directlpi")) {
                java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
                l.setLevel(java.util.logging.Level.OFF);
                QUIET.add(l);
            }
        }
    }
}
