package gic.its.impl;

import gic.api.GicConfig;
import gic.api.GicSnapshot.ItsState;
import gic.api.ItsConfig;
import gic.api.Longs;
import gic.api.MmioRegion;
import gic.core.Counters;
import gic.core.GicCore;
import gic.core.RateLimitedLog;
import gic.core.reg.Field;
import gic.core.reg.RegisterTable;
import gic.core.redistributor.Redistributor;
import gic.its.impl.command.Command;
import gic.its.impl.command.ErrorCodes;
import gic.its.impl.command.Handlers;
import gic.its.impl.command.ItsContext;
import gic.its.impl.command.Result;
import gic.its.impl.table.Cte;
import gic.its.impl.table.Dte;
import gic.its.impl.table.EntryRead;
import gic.its.impl.table.Ite;
import gic.its.impl.table.ItsTables;
import gic.its.impl.table.TableGeometry;
import java.util.concurrent.atomic.LongAdder;

/**
 * One Interrupt Translation Service (IHI 0069 chapter "The ITS"): its control frame registers, its
 * command queue, and the translation of MSIs (GITS_TRANSLATER writes) through the device, collection and
 * interrupt translation tables the guest keeps in its memory.
 *
 * <h2>Locking</h2>
 * One lock per ITS guards its registers and the command queue; every command and every translation
 * that misses the cache runs under it, and the redistributor entry points it calls take the
 * redistributor's monitor: the order is always ITS lock → redistributor monitor. An MSI whose
 * translation is cached takes no ITS lock (see {@link TranslationCache}). Commands invalidate cached
 * translations before they touch pending state. Invalidation points: DISCARD, MOVI, MAPTI/MAPI (the
 * entry); MAPD, MAPC, MOVALL, GITS_CTLR.Enabled 1 → 0, any accepted GITS_BASER write (all); not CBASER.
 *
 * <h2>Synchronous operation, bounded</h2>
 * IMPDEF: a GITS_CWRITER write (or setting GITS_CTLR.Enabled) processes the queue before it returns, up
 * to {@link #WORK_PER_ACCESS}; commands left over run on the guest's following reads of the control
 * frame (see {@link #processQueue}), so such a read can run guest commands. GITS_CTLR.Quiescent reads 0
 * only while the ITS is enabled and such commands are waiting. A command completes within the access
 * that runs it: SYNC has nothing to wait for.
 */
public final class Its {

    // ---- GITS_CTLR (0x0000)
    public static final Field CTLR_ENABLED = new Field("Enabled", 0, 1);
    public static final Field CTLR_QUIESCENT = new Field("Quiescent", 31, 1);

    // ---- GITS_TYPER (0x0008)
    public static final Field TYPER_PHYSICAL = new Field("Physical", 0, 1);
    public static final Field TYPER_ITT_ENTRY_SIZE = new Field("ITT_entry_size", 4, 4);
    public static final Field TYPER_ID_BITS = new Field("ID_bits", 8, 5);
    public static final Field TYPER_DEVBITS = new Field("Devbits", 13, 5);
    public static final Field TYPER_PTA = new Field("PTA", 19, 1);

    // ---- GITS_CBASER (0x0080)
    public static final Field CBASER_SIZE = new Field("Size", 0, 8);
    public static final Field CBASER_SHAREABILITY = new Field("Shareability", 10, 2);
    public static final Field CBASER_PHYSICAL_ADDRESS = new Field("Physical_Address", 12, 40);
    public static final Field CBASER_OUTER_CACHE = new Field("OuterCache", 53, 3);
    public static final Field CBASER_INNER_CACHE = new Field("InnerCache", 59, 3);
    public static final Field CBASER_VALID = new Field("Valid", 63, 1);
    /**
     * Bits kept on a CBASER write: everything but RES0 and PA[15:12]. IHI 0069 requires a 64 KiB aligned
     * queue (bits [15:12] not 0 is CONSTRAINED UNPREDICTABLE); IMPDEF: they are forced to 0, as KVM does.
     */
    private static final long CBASER_MASK = (CBASER_SIZE.mask() | CBASER_SHAREABILITY.mask()
        | CBASER_PHYSICAL_ADDRESS.mask() | CBASER_OUTER_CACHE.mask() | CBASER_INNER_CACHE.mask()
        | CBASER_VALID.mask()) & ~0xF000L;
    /** Bytes of one page of the command queue (CBASER.Size counts 4 KiB pages). */
    private static final int QUEUE_PAGE = 0x1000;

    // ---- GITS_CWRITER (0x0088) / GITS_CREADR (0x0090)
    public static final Field CWRITER_RETRY = new Field("Retry", 0, 1);
    public static final Field CREADR_STALLED = new Field("Stalled", 0, 1);
    /** Offset [19:5] of CWRITER and CREADR: a byte offset in the queue, 32-byte aligned. */
    public static final Field QUEUE_OFFSET = new Field("Offset", 5, 15);
    /** Bytes of one command. */
    public static final int COMMAND_BYTES = 32;

    // ---- GITS_BASER<n> (0x0100 + 8n): fields in TableGeometry
    private static final long BASER_WRITABLE = TableGeometry.SIZE.mask() | TableGeometry.PAGE_SIZE.mask()
        | TableGeometry.SHAREABILITY.mask() | TableGeometry.PHYSICAL_ADDRESS.mask() | TableGeometry.OUTER_CACHE.mask()
        | TableGeometry.INNER_CACHE.mask() | TableGeometry.INDIRECT.mask() | TableGeometry.VALID.mask();
    /** BASER0 describes the device table, BASER1 the collection table; BASER2..7 are unimplemented (Type 0). */
    private static final int IMPLEMENTED_BASERS = 2;
    private static final int[] BASER_TYPES = {TableGeometry.TYPE_DEVICES, TableGeometry.TYPE_COLLECTIONS};

    /**
     * GITS_IIDR: Arm implementer 0x43B, ProductID 0x4A, Revision 0 (the table-format revision: KVM ITS
     * table ABI revision 0). IMPDEF: chosen to match no Linux ITS quirk.
     */
    public static final int IIDR = 0x4A00_043B;

    /** PIDR4..7, PIDR0..3, CIDR0..3: PIDR0 0x94 is the ITS part number; PIDR2 ArchRev 3 (GICv3). */
    private static final int[] ID_REGISTERS = {0x44, 0, 0, 0, 0x94, 0xB4, 0x3B, 0, 0x0D, 0xF0, 0x05, 0xB1};

    /**
     * Bytes of each of the two 64 KiB frames: the control frame, then the translation frame, whose only
     * register is GITS_TRANSLATER ({@link ItsConfig#TRANSLATER_OFFSET} from the ITS base).
     */
    private static final int FRAME_BYTES = 0x1_0000;

    private static final RegisterTable<Its> CONTROL_FRAME = controlFrame();
    /**
     * IMPDEF: the work one access to the ITS may do (see {@link #processQueue}): more than the largest
     * queue (32,767 commands) of ordinary commands, or one million LPIs' worth of table-wide commands.
     */
    static final long WORK_PER_ACCESS = 1 << 16;

    private final GicCore core;
    private final int index;
    private final ItsConfig config;
    private final ErrorPolicy policy;
    private final String name;
    private final TranslationCache cache;
    private final Counters counters;
    private final String prefix;
    private final RateLimitedLog dropLog;
    private final Object lock = new Object();
    private final Context context = new Context();
    private final Region region = new Region();

    /** MSIs that missed the cache or were dropped before it; {@link #msiHits} counts the rest (same name). */
    private final LongAdder msiCount;
    private final Counters.PerRedistributor msiHits;
    private final LongAdder droppedCount;
    private final LongAdder[] droppedByReason = new LongAdder[DropReason.values().length];
    private final LongAdder cacheMisses;
    private final LongAdder commandCount;
    /** Per command, by {@link Command.Opcode} ordinal; the last one counts unknown opcodes. */
    private final LongAdder[] commandsByOp = new LongAdder[Command.Opcode.values().length + 1];
    private final LongAdder commandErrors;
    private final LongAdder stalls;
    private final LongAdder pendingDropped;

    // Register state, guarded by lock; the volatile ones are also read without it.
    private volatile boolean enabled;
    private long cbaser;
    private long cwriter;
    private long creadr;
    private volatile boolean stalled;
    /** Commands are left in the queue because the last access ran out of {@link #WORK_PER_ACCESS}. */
    private boolean backlog;
    /** Cost units of a command that reads or moves a whole LPI table: one per 16 INTIDs. */
    private final long tableCommandCost;
    private final long[] baser = new long[IMPLEMENTED_BASERS];
    private ItsTables tables;
    private volatile int lastError;
    private volatile long errorCount;

    /**
     * @param core      the GIC (its redistributors may not exist yet: they are looked up at use)
     * @param index     this ITS's index in {@link GicConfig#itses()}
     * @param policy    what a command error does to the queue
     * @param cacheSize translation cache entries (0 = none)
     * @param counters  the counters of all ITSes of the GIC; this one's are prefixed {@code its<index>.}
     * @param dropLog   where dropped MSIs are logged
     */
    Its(GicCore core, int index, ErrorPolicy policy, int cacheSize, Counters counters, RateLimitedLog dropLog) {
        this.core = core;
        this.index = index;
        this.config = core.config().itses().get(index);
        this.policy = policy;
        this.name = "ITS" + index;
        this.cache = new TranslationCache(cacheSize);
        this.counters = counters;
        this.prefix = "its" + index + ".";
        this.dropLog = dropLog;
        msiCount = counters.adder(prefix + "msi");
        msiHits = counters.perRedistributor(prefix + "msi", core.config().cpuCount());
        droppedCount = counters.adder(prefix + "msi.dropped");
        for (DropReason r : DropReason.values()) {
            droppedByReason[r.ordinal()] = counters.adder(prefix + "msi.dropped." + r.counterName());
        }
        cacheMisses = counters.adder(prefix + "cache.miss");
        commandCount = counters.adder(prefix + "command");
        commandErrors = counters.adder(prefix + "commandError");
        stalls = counters.adder(prefix + "stall");
        pendingDropped = counters.adder(prefix + "command.pendingDropped");
        for (Command.Opcode op : Command.Opcode.values()) {
            commandsByOp[op.ordinal()] = counters.adder(prefix + "command." + op.name());
        }
        commandsByOp[commandsByOp.length - 1] = counters.adder(prefix + "command.UNKNOWN");
        GicConfig g = core.config();
        tableCommandCost = (1L << g.lpiIdBits()) / 16;
        tables = new ItsTables(core.memory(), TableGeometry.NONE, TableGeometry.NONE, config.deviceIdBits(),
            config.eventIdBits(), g.lpiIdBits(), g.cpuCount());
        reset();
    }

    private static RegisterTable<Its> controlFrame() {
        RegisterTable<Its> t = new RegisterTable<>("ITS control frame", FRAME_BYTES);
        int w = RegisterTable.W;
        int dw = RegisterTable.D | RegisterTable.W;
        t.reg("GITS_CTLR", 0x0000, 4, w, (its, i) -> its.ctlr(), (its, i, v) -> its.writeCtlr(v));
        t.reg("GITS_IIDR", 0x0004, 4, w, (its, i) -> IIDR, null);
        t.reg("GITS_TYPER", 0x0008, 8, dw, (its, i) -> its.typer(), null);
        t.reg("GITS_CBASER", 0x0080, 8, dw, (its, i) -> its.cbaser, (its, i, v) -> its.writeCbaser(v));
        // Retry reads 0: a half write merges with the stored offset only.
        t.reg("GITS_CWRITER", 0x0088, 8, dw, (its, i) -> its.cwriter, (its, i, v) -> its.writeCwriter(v));
        t.reg("GITS_CREADR", 0x0090, 8, dw, (its, i) -> its.creadr(), null);
        t.array("GITS_BASER", 0x0100, 8, 8, dw, (its, i) -> its.baser(i), (its, i, v) -> its.writeBaser(i, v));
        t.array("GITS_PIDR/CIDR", 0xFFD0, ID_REGISTERS.length, 4, w, (its, i) -> ID_REGISTERS[i], null);
        return t;
    }

    private void reset() {
        enabled = false;
        cbaser = 0;
        cwriter = 0;
        creadr = 0;
        stalled = false;
        for (int i = 0; i < IMPLEMENTED_BASERS; i++) {
            baser[i] = baserReadOnly(i) | TableGeometry.PAGE_SIZE.of(TableGeometry.PAGE_64K);
        }
        tablesChanged();
    }

    // ---------------------------------------------------------------------------------------------
    // Test-visible state

    /** This ITS's index in the configuration. */
    public int index() {
        return index;
    }

    public ItsConfig config() {
        return config;
    }

    public ErrorPolicy policy() {
        return policy;
    }

    /** The 24-bit code of the last command error, 0 if none yet. */
    public int lastError() {
        return lastError;
    }

    /** Command errors so far. */
    public long errorCount() {
        return errorCount;
    }

    /** GITS_CREADR.Stalled. */
    public boolean stalled() {
        return stalled;
    }

    /** GITS_CTLR.Enabled. */
    public boolean enabled() {
        return enabled;
    }

    public TranslationCache cache() {
        return cache;
    }

    /** The 128 KiB MMIO region: control frame, then translation frame. */
    public MmioRegion region() {
        return region;
    }

    // ---------------------------------------------------------------------------------------------
    // Registers (called under lock)

    private long ctlr() {
        // IMPDEF: Quiescent is 0 only while enabled with commands left for a later access (backlog).
        return CTLR_ENABLED.of(enabled ? 1 : 0) | CTLR_QUIESCENT.of(enabled && backlog ? 0 : 1);
    }

    private void writeCtlr(long v) {
        // Bits other than Enabled (ImDe, ITS_Number, UMSIirq of GICv4 / RAS ITSes) are RAZ/WI here.
        boolean enable = CTLR_ENABLED.isSet(v);
        if (enable && !enabled) {
            // IHI 0069: enabling with CBASER or a BASER not Valid is UNPREDICTABLE. IMPDEF: allowed, as QEMU
            // does; an invalid table holds nothing (commands fail their range checks, MSIs are dropped) and
            // an invalid queue is not read.
            enabled = true;
            // IHI 0069: processing resumes from GITS_CREADR (never reset by enabling).
            processQueue();
        } else if (!enable && enabled) {
            enabled = false;
            cache.invalidateAll();
        }
    }

    private long typer() {
        return TYPER_PHYSICAL.of(1)
            | TYPER_ITT_ENTRY_SIZE.of(TableGeometry.ENTRY_BYTES - 1) // IMPDEF: 8-byte ITEs
            | TYPER_ID_BITS.of(config.eventIdBits() - 1)
            | TYPER_DEVBITS.of(config.deviceIdBits() - 1)
            | TYPER_PTA.of(config.pta() ? 1 : 0);
        // SEIS, HCC, CIL, CCT, Virtual, VMOVP, UMSI... are 0: no SEIs, all collections in memory, 16-bit ICIDs.
    }

    private void writeCbaser(long v) {
        if (enabled) {
            // IHI 0069: UNPREDICTABLE while Enabled = 1; IMPDEF: ignored, as QEMU and KVM do.
            error("GITS_CBASER written while GITS_CTLR.Enabled = 1; ignored");
            return;
        }
        cbaser = v & CBASER_MASK;
        // IHI 0069 GITS_CBASER: a write sets GITS_CREADR to 0; GITS_CWRITER is left alone.
        creadr = 0;
        stalled = false;
    }

    private long queueBytes() {
        return (CBASER_SIZE.get(cbaser) + 1) * QUEUE_PAGE;
    }

    private long queueBase() {
        return CBASER_PHYSICAL_ADDRESS.get(cbaser) << 12;
    }

    private void writeCwriter(long v) {
        long offset = v & QUEUE_OFFSET.mask();
        if (offset >= queueBytes()) {
            // IHI 0069: CONSTRAINED UNPREDICTABLE; IMPDEF: the write is ignored, as KVM does.
            error(String.format("GITS_CWRITER offset 0x%x is at or past the end of the %d-byte command queue; ignored",
                offset, queueBytes()));
            return;
        }
        cwriter = offset;
        if (CWRITER_RETRY.isSet(v) && stalled) {
            // IHI 0069 GITS_CWRITER.Retry: restart a stalled queue; the failed command (at CREADR) runs again.
            stalled = false;
        }
        processQueue();
    }

    private long creadr() {
        return creadr | CREADR_STALLED.of(stalled ? 1 : 0);
    }

    private long baser(int n) {
        return n < IMPLEMENTED_BASERS ? baser[n] : 0; // BASER2..7: Type 0, RAZ/WI
    }

    private static long baserReadOnly(int n) {
        return TableGeometry.TYPE.of(BASER_TYPES[n]) | TableGeometry.ENTRY_SIZE.of(TableGeometry.ENTRY_BYTES - 1);
    }

    private void writeBaser(int n, long v) {
        if (n >= IMPLEMENTED_BASERS) {
            return; // Type 0: the whole register is RAZ/WI (Linux writes 0 to all eight at probe)
        }
        if (enabled) {
            // IHI 0069: UNPREDICTABLE while Enabled = 1; IMPDEF: ignored.
            error("GITS_BASER" + n + " written while GITS_CTLR.Enabled = 1; ignored");
            return;
        }
        // Type and Entry_Size are RO; every other field is stored verbatim (Linux reads back what it wrote,
        // and rejects the ITS if it does not stick). IMPDEF: Page_Size 3 is kept and used as 64 KiB.
        baser[n] = (v & BASER_WRITABLE) | baserReadOnly(n);
        tablesChanged();
    }

    private void tablesChanged() {
        tables = tables.withGeometry(TableGeometry.of(baser[0]), TableGeometry.of(baser[1]));
        cache.invalidateAll();
    }

    // ---------------------------------------------------------------------------------------------
    // Command queue (under lock)

    /**
     * Executes commands from GITS_CREADR up to GITS_CWRITER while Enabled, CBASER.Valid and not Stalled,
     * within {@link #WORK_PER_ACCESS}: a command costs 1, and one that reads or moves a whole LPI table
     * (INVALL, MAPC with V = 1, MOVALL) costs one more per 16 LPIs of the INTID space (measured: such a
     * command with 2^20 LPIs pending takes 10 to 40 ms, so one access runs at most one of them then). What is left over
     * waits for the guest's next access to the ITS (software polls GITS_CREADR until it passes its
     * commands), so a guest cannot keep a host thread here: one access does a bounded amount of work.
     */
    private void processQueue() {
        // Set first: if a host callback throws out of a command (a strict test host), the guest's next
        // read still resumes the queue.
        backlog = true;
        backlog = runQueue();
    }

    /** {@link #processQueue}'s loop; returns whether commands are left for a later access. */
    private boolean runQueue() {
        if (!enabled || !CBASER_VALID.isSet(cbaser) || stalled || creadr == cwriter) {
            return false;
        }
        long size = queueBytes();
        if (creadr >= size || cwriter >= size) {
            // Only after a CBASER write shrank the queue under a stored CWRITER, or a restored image.
            // IMPDEF: the queue is treated as invalid until valid offsets are written (GITS_CWRITER, or
            // GITS_CBASER, which resets GITS_CREADR).
            error(String.format("command queue offsets (CREADR 0x%x, CWRITER 0x%x) outside the %d-byte queue;"
                + " not processed until GITS_CWRITER or GITS_CBASER is written", creadr, cwriter, size));
            return false;
        }
        long base = queueBase();
        long[] dw = new long[COMMAND_BYTES / Long.BYTES];
        for (long budget = WORK_PER_ACCESS; creadr != cwriter; ) {
            if (budget <= 0) {
                return true;
            }
            long address = base + creadr;
            if (!ItsTables.readLongs(core.memory(), address, dw, dw.length)) {
                stall(String.format("command at 0x%x (GITS_CREADR 0x%x) is outside guest RAM", address, creadr));
                return false;
            }
            Command command = Command.decode(dw);
            Result result = Handlers.execute(command, context);
            commandCount.increment();
            commandsByOp[command.op() == null ? commandsByOp.length - 1 : command.op().ordinal()].increment();
            ItsEvents.command(index, command, result);
            if (result instanceof Result.Error err) {
                if (!commandError(command, err)) {
                    return false;
                }
            } else if (result instanceof Result.Stall s) {
                stall(command.mnemonic() + ": " + s.message());
                return false;
            }
            creadr = (creadr + COMMAND_BYTES) % size;
            budget -= cost(command);
        }
        return false;
    }

    private long cost(Command c) {
        boolean wholeTable = c instanceof Command.Invall || c instanceof Command.Movall
            || c instanceof Command.Mapc m && m.valid();
        return wholeTable ? 1 + tableCommandCost : 1;
    }

    /** Records a command error; returns whether the queue moves on (SKIP: the caller advances CREADR) or stalled. */
    private boolean commandError(Command command, Result.Error err) {
        lastError = err.code();
        errorCount++;
        commandErrors.increment();
        counters.increment(prefix + "commandError." + ErrorCodes.hex(err.code()));
        String text = String.format("%s at GITS_CREADR 0x%x: %s (%s): %s", command.mnemonic(), creadr,
            ErrorCodes.causeName(err.code()), ErrorCodes.hex(err.code()), err.message());
        if (policy == ErrorPolicy.STALL) {
            stalled = true;
            stalls.increment();
            error(text + "; command queue stalled");
            return false;
        }
        error(text);
        return true;
    }

    private void stall(String message) {
        // IMPDEF: a memory fault stalls whatever the error policy; GITS_CWRITER.Retry re-reads the command.
        stalled = true;
        stalls.increment();
        error(message + "; command queue stalled");
    }

    private void error(String message) {
        core.errors().report(name, message);
    }

    // ---------------------------------------------------------------------------------------------
    // Translation

    /**
     * A device's write of {@code size} bytes of {@code data} to GITS_TRANSLATER with requester
     * {@code deviceId}: sets the translated LPI pending, or drops the write.
     */
    public void translate(int size, long data, int deviceId) {
        long device = deviceId & 0xFFFF_FFFFL;
        if ((size == 2 || size == 4) && enabled) {
            TranslationCache.Entry hit = cache.lookup(TranslationCache.key(device, event(size, data)));
            if (hit != null) {
                Redistributor rd = core.redistributor(hit.processor());
                synchronized (rd) {
                    if (cache.isCurrent(hit)) {
                        msiHits.increment(hit.processor());
                        if (rd.raiseLpiHeld(hit.pintid()) == Redistributor.LPI_REFUSED) {
                            dropped(device, event(size, data), DropReason.LPIS_DISABLED, rd.name() + " takes no LPIs");
                        }
                        return;
                    }
                }
            }
        }
        msiCount.increment();
        if (size != 2 && size != 4) {
            dropped(device, data, DropReason.SIZE, size + "-byte write");
            return;
        }
        long event = event(size, data);
        if (!enabled) {
            dropped(device, event, DropReason.DISABLED, "GITS_CTLR.Enabled = 0");
            return;
        }
        cacheMisses.increment();
        synchronized (lock) {
            translateSlow(device, event);
        }
    }

    /** The EventID a {@code size}-byte write of {@code data} to GITS_TRANSLATER carries. */
    private static long event(int size, long data) {
        return size == 2 ? data & 0xFFFF : data & 0xFFFF_FFFFL;
    }

    /** The table walk of a translation (IHI 0069 "Interrupt translation"), under the lock. */
    private void translateSlow(long device, long event) {
        if (!enabled) {
            dropped(device, event, DropReason.DISABLED, "GITS_CTLR.Enabled = 0");
            return;
        }
        long generation = cache.generation();
        EntryRead<Dte> dteRead = tables.readDte(device);
        if (dteRead instanceof EntryRead.OutOfRange<Dte> out) {
            dropped(device, event, DropReason.DEVICE, out.reason());
            return;
        }
        if (dteRead instanceof EntryRead.Fault<Dte> fault) {
            dropped(device, event, DropReason.MEMORY, "device table at 0x" + Long.toHexString(fault.address()));
            return;
        }
        Dte dte = ((EntryRead.Found<Dte>) dteRead).entry();
        if (!dte.valid()) {
            dropped(device, event, DropReason.DEVICE, "device not mapped");
            return;
        }
        EntryRead<Ite> iteRead = tables.readIte(dte, event);
        if (iteRead instanceof EntryRead.OutOfRange<Ite> out) {
            dropped(device, event, DropReason.EVENT, out.reason());
            return;
        }
        if (iteRead instanceof EntryRead.Fault<Ite> fault) {
            dropped(device, event, DropReason.MEMORY, "ITT at 0x" + Long.toHexString(fault.address()));
            return;
        }
        Ite ite = ((EntryRead.Found<Ite>) iteRead).entry();
        if (!ite.valid()) {
            dropped(device, event, DropReason.EVENT, "event not mapped");
            return;
        }
        EntryRead<Cte> cteRead = tables.readCte(ite.icid());
        if (cteRead instanceof EntryRead.OutOfRange<Cte> out) {
            dropped(device, event, DropReason.COLLECTION, out.reason());
            return;
        }
        if (cteRead instanceof EntryRead.Fault<Cte> fault) {
            dropped(device, event, DropReason.MEMORY, "collection table at 0x" + Long.toHexString(fault.address()));
            return;
        }
        Cte cte = ((EntryRead.Found<Cte>) cteRead).entry();
        if (!cte.valid()) {
            dropped(device, event, DropReason.COLLECTION, "collection 0x" + Integer.toHexString(ite.icid())
                + " not mapped");
            return;
        }
        Redistributor rd = core.redistributor((int) cte.processor());
        if (!rd.setLpiPending((int) ite.pintid())) {
            dropped(device, event, DropReason.LPIS_DISABLED, rd.name() + " takes no LPIs");
            return;
        }
        cache.fill(TranslationCache.key(device, event), (int) ite.pintid(), (int) cte.processor(), generation);
    }

    private void dropped(long device, long event, DropReason reason, String detail) {
        droppedCount.increment();
        droppedByReason[reason.ordinal()].increment();
        ItsEvents.dropped(index, device, event, reason);
        dropLog.warn(() -> String.format("%s: MSI of DeviceID 0x%x EventID 0x%x dropped (%s): %s", name, device, event,
            reason.counterName(), detail));
    }

    // ---------------------------------------------------------------------------------------------
    // Snapshot

    /** The registers for a snapshot; the tables are already in guest memory (commands write through). */
    public ItsState save() {
        synchronized (lock) {
            long[] b = new long[8];
            for (int i = 0; i < b.length; i++) {
                b[i] = baser(i);
            }
            return new ItsState((int) ctlr(), cbaser, cwriter, creadr(), Longs.of(b));
        }
    }

    /**
     * Sets the registers of {@code s} as they were, without processing commands (the snapshot was taken
     * between accesses, so the queue is as the ITS left it). Values a guest could not have written are
     * sanitised as a write would; the translation cache starts empty.
     */
    public void restore(ItsState s) {
        synchronized (lock) {
            reset();
            cbaser = s.cbaser() & CBASER_MASK;
            cwriter = s.cwriter() & QUEUE_OFFSET.mask();
            creadr = s.creadr() & QUEUE_OFFSET.mask();
            stalled = CREADR_STALLED.isSet(s.creadr());
            for (int i = 0; i < IMPLEMENTED_BASERS && i < s.baser().size(); i++) {
                baser[i] = (s.baser().get(i) & BASER_WRITABLE) | baserReadOnly(i);
            }
            tablesChanged();
            enabled = CTLR_ENABLED.isSet(s.ctlr());
            // Commands the snapshot caught waiting in the queue (a work bound, or a guest that wrote
            // CWRITER while disabled and then enabled) run on the guest's next accesses, as before it. A
            // queue the ITS cannot run (not Valid, offsets outside it) is no backlog: it waits for the
            // guest, so GITS_CTLR.Quiescent reads as it did when the snapshot was taken.
            long size = queueBytes();
            backlog = creadr != cwriter && !stalled && CBASER_VALID.isSet(cbaser) && creadr < size && cwriter < size;
        }
    }

    /** EnableLPIs went 1 → 0 on some redistributor: every cached translation goes. */
    void lpisDisabled() {
        cache.invalidateAll();
    }

    // ---------------------------------------------------------------------------------------------
    // Diagnostics

    /** Appends this ITS's state to {@code out}. */
    void diagnostics(DiagnosticLines out) {
        synchronized (lock) {
            out.line(String.format("%s at 0x%x: DeviceID bits %d, EventID bits %d, PTA %d, error policy %s,"
                    + " translation cache %d entries (%d live)", name, config.base(), config.deviceIdBits(),
                config.eventIdBits(), config.pta() ? 1 : 0, policy, cache.capacity(), cache.liveEntries()));
            out.line(String.format("  GITS_CTLR 0x%08x  GITS_TYPER 0x%016x  GITS_CBASER 0x%016x", ctlr(), typer(), cbaser));
            out.line(String.format("  GITS_CWRITER 0x%x  GITS_CREADR 0x%x%s  queue %d bytes at 0x%x", cwriter, creadr,
                stalled ? " (Stalled)" : "", queueBytes(), queueBase()));
            out.line(String.format("  GITS_BASER0 0x%016x  devices: %s", baser[0], tables.devices()));
            out.line(String.format("  GITS_BASER1 0x%016x  collections: %s", baser[1], tables.collections()));
            out.line(String.format("  command errors %d, last %s", errorCount,
                lastError == 0 ? "none" : ErrorCodes.hex(lastError) + " " + ErrorCodes.causeName(lastError)));
            StringBuilder c = new StringBuilder("  counters:");
            counters.snapshot().forEach((k, v) -> {
                if (k.startsWith(prefix) && v != 0) {
                    c.append(' ').append(k.substring(prefix.length())).append('=').append(v);
                }
            });
            out.line(c.toString());
            out.tables(tables);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** What command handlers see of this ITS (under its lock). */
    private final class Context implements ItsContext {
        @Override
        public ItsTables tables() {
            return tables;
        }

        @Override
        public Redistributor redistributorAt(long rdbase) {
            if (!config.pta()) {
                return redistributor(rdbase);
            }
            // PTA = 1: RDbase is PA[51:16] of the redistributor's RD_base frame.
            long offset = (rdbase << 16) - core.config().redistributorBase();
            if (offset < 0 || offset % GicConfig.REDISTRIBUTOR_STRIDE != 0) {
                return null;
            }
            return redistributor(offset / GicConfig.REDISTRIBUTOR_STRIDE);
        }

        @Override
        public Redistributor redistributor(long processor) {
            return processor >= 0 && processor < core.config().cpuCount() ? core.redistributor((int) processor) : null;
        }

        @Override
        public void invalidate(long deviceId, long eventId) {
            cache.invalidate(TranslationCache.key(deviceId, eventId));
        }

        @Override
        public void invalidateAll() {
            cache.invalidateAll();
        }

        @Override
        public void pendingDropped(Command command, Redistributor target) {
            pendingDropped.increment();
            dropLog.warn(() -> String.format("%s: %s of DeviceID 0x%x EventID 0x%x: pending state dropped, %s takes"
                + " no LPIs or not this one", name, command.mnemonic(), command.deviceId(), command.eventId(),
                target.name()));
        }
    }

    /** The ITS's 128 KiB: control frame (register table), translation frame (GITS_TRANSLATER only). */
    private final class Region implements MmioRegion {
        @Override
        public String name() {
            return name;
        }

        @Override
        public long base() {
            return config.base();
        }

        @Override
        public long size() {
            return ItsConfig.SIZE;
        }

        @Override
        public long read(long offset, int size) {
            if (offset >= FRAME_BYTES && offset < ItsConfig.SIZE) {
                if (isTranslater(offset, size)) {
                    return 0; // GITS_TRANSLATER is write-only: RAZ
                }
                error(String.format("%d-byte read of reserved offset 0x%x of the translation frame", size, offset));
                return 0;
            }
            synchronized (lock) {
                if (backlog) {
                    processQueue(); // the guest polls: the queue makes progress (see processQueue)
                }
                return CONTROL_FRAME.read(Its.this, offset, size, name, core.errors());
            }
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset >= FRAME_BYTES && offset < ItsConfig.SIZE) {
                if (isTranslater(offset, size)) {
                    // IMPDEF: a CPU's store carries no DeviceID, so it cannot be translated: dropped.
                    error("CPU write to GITS_TRANSLATER has no DeviceID; dropped (devices use Gic.msi)");
                } else {
                    error(String.format("%d-byte write of reserved offset 0x%x of the translation frame", size, offset));
                }
                return;
            }
            synchronized (lock) {
                CONTROL_FRAME.write(Its.this, offset, size, value, name, core.errors());
            }
        }

        private boolean isTranslater(long offset, int size) {
            return offset == ItsConfig.TRANSLATER_OFFSET && (size == 2 || size == 4);
        }
    }
}
