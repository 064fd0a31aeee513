package gic.its.impl;

import static gic.core.TestGic.*;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicConfig;
import gic.api.ItsConfig;
import gic.core.GicCore;
import gic.core.Regs;
import gic.core.TestGic;
import gic.core.TestMemory;
import java.util.List;

/**
 * A guest-side driver of ITS {@code i} for tests, doing what Linux's {@code irq-gic-v3-its.c} does:
 * GITS register access (64-bit and 32-bit halves), command encoders (ITS.md 3.2), a command queue in
 * guest RAM behind GITS_CBASER/GITS_CWRITER, device and collection tables (flat or two-level, 4K/16K/64K
 * pages), ITTs, and readers of the table entries (KVM ABI revision 0, ITS.md 4.2).
 *
 * <p>Memory: the GIC gets {@link #RAM} bytes; TestGic's property table (RAM_BASE + 1 MiB) and pending
 * tables (RAM_BASE + 2 MiB + 64 KiB per CPU) stay below {@link #ALLOC_BASE}; ITS {@code i} bump-allocates
 * its queue, tables and ITTs from its own {@link #ALLOC_SIZE} window above it.
 */
final class ItsDriver {

    // ---- GITS registers (ITS.md 1.1): offsets from the ITS base

    static final long GITS_CTLR = 0x0000;
    static final long GITS_IIDR = 0x0004;
    static final long GITS_TYPER = 0x0008;
    static final long GITS_CBASER = 0x0080;
    static final long GITS_CWRITER = 0x0088;
    static final long GITS_CREADR = 0x0090;
    /** GITS_BASER{@code n} is at {@code GITS_BASER + 8 * n}. */
    static final long GITS_BASER = 0x0100;
    static final long GITS_PIDR2 = 0xFFE8;
    static final long GITS_TRANSLATER = ItsConfig.TRANSLATER_OFFSET;

    static final long CTLR_ENABLED = 1;
    static final long CTLR_QUIESCENT = 1L << 31;
    /** GITS_CREADR.Stalled and GITS_CWRITER.Retry. */
    static final long STALLED = 1;
    static final long RETRY = 1;
    /** Offset [19:5] of GITS_CWRITER / GITS_CREADR. */
    static final long OFFSET_MASK = 0xF_FFE0L;

    // ---- GITS_BASER / GITS_CBASER fields (ITS.md 1.6, 1.8)

    static final long VALID = 1L << 63;
    static final long INDIRECT = 1L << 62;
    static final long INNER_RAWAWB = 7L << 59;
    static final long INNER_NC = 1L << 59;
    static final long INNER_SHAREABLE = 1L << 10;
    static final long ENTRY_SIZE_8 = 7L << 48;
    static final int TYPE_DEVICES = 1;
    static final int TYPE_COLLECTIONS = 4;
    static final int PAGE_4K = 0;
    static final int PAGE_16K = 1;
    static final int PAGE_64K = 2;
    /** PA[51:12] of an L1 descriptor. */
    static final long L1_PA = 0x000F_FFFF_FFFF_F000L;

    // ---- command opcodes (ITS.md 3.1)

    static final int MOVI = 0x01;
    static final int INT = 0x03;
    static final int CLEAR = 0x04;
    static final int SYNC = 0x05;
    static final int MAPD = 0x08;
    static final int MAPC = 0x09;
    static final int MAPTI = 0x0A;
    static final int MAPI = 0x0B;
    static final int INV = 0x0C;
    static final int INVALL = 0x0D;
    static final int MOVALL = 0x0E;
    static final int DISCARD = 0x0F;

    // ---- memory layout

    static final int RAM = 16 << 20;
    static final long ALLOC_BASE = RAM_BASE + (4 << 20);
    static final long ALLOC_SIZE = 4 << 20;
    /** Priority every LPI gets from {@link #bringUpCpus}: enabled, Group 1. */
    static final int LPI_PRIORITY = 0xA0;

    final GicCore g;
    final int index;
    final ItsConfig config;
    final long base;
    final TestMemory mem;
    private long next;
    private final long end;
    /** The tables and queue as last programmed through this driver. */
    Table devices;
    Table collections;
    long queue;
    int queueBytes;

    ItsDriver(GicCore g, int index) {
        this(g, index, host(g).mem());
    }

    /** A driver whose guest-side accesses go straight to {@code mem}, the RAM behind {@code g}'s memory port. */
    ItsDriver(GicCore g, int index, TestMemory mem) {
        this.g = g;
        this.index = index;
        this.config = g.config().itses().get(index);
        this.base = config.base();
        this.mem = mem;
        this.next = ALLOC_BASE + index * ALLOC_SIZE;
        this.end = next + ALLOC_SIZE;
    }

    // ---------------------------------------------------------------------------------------------
    // Machines

    /** ITS {@code i}'s base: QEMU virt's for ITS 0, then clear of the redistributors. */
    static long itsBase(int i) {
        return i == 0 ? GicConfig.VIRT_ITS_BASE : 0x0A00_0000L + (i - 1) * ItsConfig.SIZE;
    }

    /** ITS {@code i} with 16 DeviceID and 16 EventID bits, PTA = 0 (KVM's TYPER). */
    static ItsConfig its(int i) {
        return its(i, 16, 16, false);
    }

    static ItsConfig its(int i, int deviceIdBits, int eventIdBits, boolean pta) {
        return new ItsConfig(itsBase(i), deviceIdBits, eventIdBits, pta);
    }

    /** {@code cpus} CPUs, {@link #RAM} of RAM, and the ITSes (one default ITS if none given). */
    static TestGic.Builder machine(int cpus, ItsConfig... itses) {
        return TestGic.cpus(cpus).ramSize(RAM).itses(itses.length == 0 ? List.of(its(0)) : List.of(itses));
    }

    // ---------------------------------------------------------------------------------------------
    // The model's side, for assertions

    Its its() {
        return ((ItsExtension) g.extension()).its(index);
    }

    /** Counter {@code its<i>.<name>}, 0 if absent. */
    long counter(String name) {
        return g.counters().getOrDefault("its" + index + "." + name, 0L);
    }

    /** Counter {@code its<i>.commandError.0x<code>}. */
    long errors(int code) {
        return counter(String.format("commandError.0x%06X", code));
    }

    // ---------------------------------------------------------------------------------------------
    // Registers

    long read64(long off) {
        return Regs.read(g, base + off, 8);
    }

    long read32(long off) {
        return Regs.read(g, base + off, 4);
    }

    void write64(long off, long v) {
        Regs.write(g, base + off, 8, v);
    }

    void write32(long off, long v) {
        Regs.write(g, base + off, 4, v);
    }

    /** GITS_CTLR.Enabled = 1, read-modify-write as Linux. */
    void enable() {
        write32(GITS_CTLR, read32(GITS_CTLR) | CTLR_ENABLED);
    }

    void disable() {
        write32(GITS_CTLR, read32(GITS_CTLR) & ~CTLR_ENABLED);
    }

    long creadr() {
        return read64(GITS_CREADR);
    }

    long cwriter() {
        return read64(GITS_CWRITER);
    }

    boolean stalled() {
        return (creadr() & STALLED) != 0;
    }

    /** Whether the ITS has consumed everything up to CWRITER and is not stalled. */
    boolean drained() {
        return creadr() == cwriter();
    }

    // ---------------------------------------------------------------------------------------------
    // Guest memory

    /** {@code bytes} of zeroed RAM aligned to {@code align} (a power of two) from this ITS's window. */
    long alloc(long bytes, long align) {
        long a = (next + align - 1) & -align;
        assertTrue(a + bytes <= end, "ITS test memory exhausted");
        next = a + bytes;
        mem.fill(a, (int) bytes, 0);
        return a;
    }

    long load64(long address) {
        return mem.load(address, 8).orElseThrow();
    }

    void store64(long address, long value) {
        assertTrue(mem.store(address, 8, value));
    }

    // ---------------------------------------------------------------------------------------------
    // Device and collection tables

    /** A table as programmed in GITS_BASER{@code n}. */
    record Table(int n, long pa, int pageBytes, int pages, boolean indirect) {
        int perPage() {
            return pageBytes / 8;
        }

        /** IDs the table covers: its entries, or L1 descriptors times entries per L2 page. */
        long ids() {
            return (long) pages * perPage() * (indirect ? perPage() : 1);
        }
    }

    static int pageBytes(int pageSizeCode) {
        return pageSizeCode == PAGE_4K ? 0x1000 : pageSizeCode == PAGE_16K ? 0x4000 : 0x1_0000;
    }

    /** The value Linux's its_setup_baser writes: RaWaWb, InnerShareable, Valid; 52-bit PA for 64K pages. */
    static long baserValue(int type, long pa, int pageSizeCode, int pages, boolean indirect) {
        long paField = pageSizeCode >= PAGE_64K
            ? (pa & 0xFFFF_FFFF_0000L) | (pa >>> 48 & 0xF) << 12
            : pa & 0xFFFF_FFFF_F000L;
        return VALID | (indirect ? INDIRECT : 0) | INNER_RAWAWB | (long) type << 56 | ENTRY_SIZE_8 | paField
            | INNER_SHAREABLE | (long) pageSizeCode << 8 | (pages - 1);
    }

    /** Allocates and programs the device table (GITS_BASER0). */
    Table deviceTable(int pageSizeCode, int pages, boolean indirect) {
        int bytes = pageBytes(pageSizeCode);
        return table(0, alloc((long) pages * bytes, bytes), pageSizeCode, pages, indirect);
    }

    /** Allocates and programs the collection table (GITS_BASER1). */
    Table collectionTable(int pageSizeCode, int pages, boolean indirect) {
        int bytes = pageBytes(pageSizeCode);
        return table(1, alloc((long) pages * bytes, bytes), pageSizeCode, pages, indirect);
    }

    /** Programs GITS_BASER{@code n} (0 devices, 1 collections) with a table at {@code pa}. */
    Table table(int n, long pa, int pageSizeCode, int pages, boolean indirect) {
        write64(GITS_BASER + 8L * n, baserValue(n == 0 ? TYPE_DEVICES : TYPE_COLLECTIONS, pa, pageSizeCode, pages,
            indirect));
        Table t = new Table(n, pa, pageBytes(pageSizeCode), pages, indirect);
        if (n == 0) {
            devices = t;
        } else {
            collections = t;
        }
        return t;
    }

    /** Allocates a zeroed L2 page for L1 descriptor {@code l1Index} and makes the descriptor valid. */
    long l2Page(Table t, int l1Index) {
        long page = alloc(t.pageBytes(), t.pageBytes());
        l1(t, l1Index, page | VALID);
        return page;
    }

    /** Writes L1 descriptor {@code l1Index} of a two-level table. */
    void l1(Table t, int l1Index, long descriptor) {
        store64(t.pa() + 8L * l1Index, descriptor);
    }

    /** Guest address of entry {@code id}, or -1 if its L1 descriptor is invalid. */
    long entryAddress(Table t, long id) {
        if (!t.indirect()) {
            return t.pa() + 8 * id;
        }
        long l1 = load64(t.pa() + 8 * (id / t.perPage()));
        return l1 >= 0 ? -1 : (l1 & L1_PA) + 8 * (id % t.perPage());
    }

    /** The DTE of {@code deviceId} in guest memory (0 if its L1 descriptor is invalid). */
    long dte(int deviceId) {
        long a = entryAddress(devices, deviceId);
        return a < 0 ? 0 : load64(a);
    }

    /** The CTE of {@code icid} in guest memory (0 if its L1 descriptor is invalid). */
    long cte(int icid) {
        long a = entryAddress(collections, icid);
        return a < 0 ? 0 : load64(a);
    }

    /** The ITE of ({@code deviceId}, {@code eventId}) in the ITT named by the device's DTE. */
    long ite(int deviceId, int eventId) {
        long d = dte(deviceId);
        assertTrue(d < 0, "device " + deviceId + " is not mapped");
        return load64(ittOf(d) + 8L * eventId);
    }

    /** ITT address of a DTE (ITT_addr [48:5] = PA[51:8]). */
    static long ittOf(long dte) {
        return (dte >>> 5 & ((1L << 44) - 1)) << 8;
    }

    /** A valid DTE as the contract writes it: V, next = 1, ITT_addr, Size. */
    static long dteValue(long itt, int size) {
        return VALID | 1L << 49 | (itt >>> 8) << 5 | size;
    }

    /** A valid CTE: V, RDBase = processor number, ICID. */
    static long cteValue(int processor, int icid) {
        return VALID | (long) processor << 16 | icid;
    }

    /** A valid ITE: next = 1, pINTID, ICID. */
    static long iteValue(int pintid, int icid) {
        return 1L << 48 | (long) pintid << 16 | icid;
    }

    /** Allocates a zeroed ITT for 2^(size+1) events (at least 256 bytes, 256-byte aligned). */
    long itt(int size) {
        return alloc(Math.max(256, 1L << (size + 4)), 256);
    }

    // ---------------------------------------------------------------------------------------------
    // Command queue

    /** Allocates a queue of {@code pages} 4 KiB pages (64 KiB aligned), writes GITS_CBASER and CWRITER = 0. */
    void commandQueue(int pages) {
        commandQueueAt(alloc(pages * 0x1000L, 0x1_0000), pages);
        write64(GITS_CWRITER, 0);
    }

    /** GITS_CBASER = Linux's value for a queue at {@code pa}; CWRITER is left alone. */
    void commandQueueAt(long pa, int pages) {
        queue = pa;
        queueBytes = pages * 0x1000;
        write64(GITS_CBASER, VALID | INNER_RAWAWB | INNER_SHAREABLE | pa | (pages - 1));
    }

    /**
     * Writes {@code commands} into the queue from CWRITER's slot on, then CWRITER past the last one with
     * one 32-bit write (as Linux posts commands), wrapping round the queue and keeping one slot free.
     */
    void post(long[]... commands) {
        long w = cwriter() & OFFSET_MASK;
        long r = creadr() & OFFSET_MASK;
        for (long[] c : commands) {
            long after = (w + 32) % queueBytes;
            assertNotEquals(r, after, "command queue full");
            place(w, c);
            w = after;
        }
        write32(GITS_CWRITER, w);
    }

    /** Writes one command into the queue slot at byte {@code offset}. */
    void place(long offset, long[] command) {
        for (int i = 0; i < 4; i++) {
            store64(queue + offset + 8L * i, command[i]);
        }
    }

    /** GITS_CWRITER written with its current offset and Retry = 1. */
    void retry() {
        write32(GITS_CWRITER, (cwriter() & OFFSET_MASK) | RETRY);
    }

    // ---------------------------------------------------------------------------------------------
    // Command encoders (ITS.md 3.2): four doublewords each

    static long[] command(long dw0, long dw1, long dw2, long dw3) {
        return new long[] {dw0, dw1, dw2, dw3};
    }

    /** A command with opcode {@code op} and every other bit zero (unknown and GICv4 opcodes). */
    static long[] raw(int op) {
        return command(op & 0xFF, 0, 0, 0);
    }

    private static long device(int opcode, int deviceId) {
        return opcode | (deviceId & 0xFFFF_FFFFL) << 32;
    }

    private static long event(int eventId) {
        return eventId & 0xFFFF_FFFFL;
    }

    /** RDbase field [51:16]. */
    private static long rdField(long rd) {
        return (rd & 0xF_FFFF_FFFFL) << 16;
    }

    static long[] movi(int deviceId, int eventId, int icid) {
        return command(device(MOVI, deviceId), event(eventId), icid & 0xFFFF, 0);
    }

    static long[] interrupt(int deviceId, int eventId) {
        return command(device(INT, deviceId), event(eventId), 0, 0);
    }

    static long[] clear(int deviceId, int eventId) {
        return command(device(CLEAR, deviceId), event(eventId), 0, 0);
    }

    static long[] sync(long rd) {
        return command(SYNC, 0, rdField(rd), 0);
    }

    static long[] mapd(int deviceId, int size, long itt, boolean valid) {
        return command(device(MAPD, deviceId), size & 0x1F, (itt & 0x000F_FFFF_FFFF_FF00L) | (valid ? VALID : 0), 0);
    }

    static long[] mapc(int icid, long rd, boolean valid) {
        return command(MAPC, 0, (icid & 0xFFFF) | rdField(rd) | (valid ? VALID : 0), 0);
    }

    static long[] mapti(int deviceId, int eventId, int pintid, int icid) {
        return command(device(MAPTI, deviceId), event(eventId) | (pintid & 0xFFFF_FFFFL) << 32, icid & 0xFFFF, 0);
    }

    static long[] mapi(int deviceId, int eventId, int icid) {
        return command(device(MAPI, deviceId), event(eventId), icid & 0xFFFF, 0);
    }

    static long[] inv(int deviceId, int eventId) {
        return command(device(INV, deviceId), event(eventId), 0, 0);
    }

    static long[] invall(int icid) {
        return command(INVALL, 0, icid & 0xFFFF, 0);
    }

    static long[] movall(long rd1, long rd2) {
        return command(MOVALL, 0, rdField(rd1), rdField(rd2));
    }

    static long[] discard(int deviceId, int eventId) {
        return command(device(DISCARD, deviceId), event(eventId), 0, 0);
    }

    /** The RDbase field naming CPU {@code cpu}: its processor number, or with PTA = 1 its RD_base PA[51:16]. */
    long rd(int cpu) {
        return config.pta() ? Regs.rdBase(g, cpu) >>> 16 : cpu;
    }

    // ---------------------------------------------------------------------------------------------
    // Linux's bring-up and mappings

    /**
     * What Linux does: the GIC side ({@link #bringUpCpus}), a flat device table (one 64 KiB page, 8192
     * DeviceIDs), a flat collection table (one 4 KiB page, 512 ICIDs), a 64 KiB queue, CWRITER = 0,
     * Enabled, then per CPU c: MAPC(ICID c, RD c) + SYNC, INVALL(c) + SYNC.
     */
    ItsDriver bringUp() {
        bringUpCpus(g, mem);
        deviceTable(PAGE_64K, 1, false);
        collectionTable(PAGE_4K, 1, false);
        commandQueue(16);
        enable();
        mapCollections();
        return this;
    }

    /** Per CPU c: MAPC(ICID c, RD c) + SYNC, then INVALL(c) + SYNC. */
    void mapCollections() {
        for (int c = 0; c < g.config().cpuCount(); c++) {
            post(mapc(c, rd(c), true), sync(rd(c)));
            post(invall(c), sync(rd(c)));
        }
    }

    /**
     * Once per GIC (does nothing the second time): groups enabled, every CPU awake with PMR 0xFF and
     * Group 1 on, every LPI configured enabled at {@link #LPI_PRIORITY}, LPI tables programmed (16 INTID
     * bits) and EnableLPIs = 1 on every redistributor.
     */
    static void bringUpCpus(GicCore g) {
        bringUpCpus(g, host(g).mem());
    }

    /** {@link #bringUpCpus(GicCore)} with {@code ram} as the guest's RAM. */
    static void bringUpCpus(GicCore g, TestMemory ram) {
        if (g.redistributor(0).lpisEnabled()) {
            return;
        }
        bringUpAllCpus(g, 0xFF, GRP1);
        ram.fill(PROP, (1 << 16) - LPI_BASE, LPI_PRIORITY | 0b11);
        for (int c = 0; c < g.config().cpuCount(); c++) {
            programLpiTables(g, c, 15);
            enableLpis(g, c);
        }
    }

    /** Allocates an ITT for 2^(size+1) events and maps {@code deviceId} to it (MAPD, no SYNC, as Linux). */
    long mapDevice(int deviceId, int size) {
        long itt = itt(size);
        post(mapd(deviceId, size, itt, true));
        return itt;
    }

    /** MAPTI + SYNC (a SYNC completes for any RDbase; CPU 0's is used). */
    void mapEvent(int deviceId, int eventId, int pintid, int icid) {
        post(mapti(deviceId, eventId, pintid, icid), sync(rd(0)));
    }

    /** A device's MSI at this ITS's GITS_TRANSLATER (32-bit write of the EventID). */
    boolean msi(int deviceId, int eventId) {
        return g.msi(config.translaterAddress(), 4, eventId, deviceId);
    }

    /** Whether LPI {@code intid} is pending at CPU {@code cpu}'s redistributor. */
    boolean pending(int cpu, int intid) {
        return g.redistributor(cpu).isLpiPending(intid);
    }

    /** INTIDs CPU {@code cpu} takes (acknowledges and EOIs) until IAR1 reads spurious. */
    List<Integer> taken(int cpu) {
        return drainGroup1(g, cpu);
    }
}
