package gic.benchmarks;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.api.IccRegister;
import gic.api.ItsConfig;
import gic.api.MmioRegion;
import gic.directlpi.impl.DirectLpiGicProvider;
import gic.its.impl.ItsGicProvider;
import gic.its.impl.ItsOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * One emulated machine for a benchmark: guest RAM, a host whose IRQ/FIQ lines cost a field write, a GIC
 * from either provider, and the guest-side steps Linux performs to bring it up (GICD, GICR LPI tables,
 * the ITS's tables, queue and mappings). Setup only: nothing here is on a measured path except
 * {@link #cpuIf}, {@link #translater} and {@link #setLpir}, which are plain field reads.
 *
 * <p>Memory map (RAM at {@link #RAM_BASE}): LPI property table at +1 MiB (room for 20 INTID bits),
 * pending tables at +2 MiB + 128 KiB per CPU, ITS queue and tables bump-allocated from +8 MiB.
 */
final class Machine {

    static final long RAM_BASE = 0x4000_0000L;
    static final int RAM_SIZE = 64 << 20;
    static final long PROP = RAM_BASE + 0x10_0000L;
    static final long PEND0 = RAM_BASE + 0x20_0000L;
    static final long PEND_STRIDE = 0x2_0000L;
    static final long ALLOC_BASE = RAM_BASE + 0x80_0000L;
    static final int FIRST_LPI = 8192;
    /** Configuration byte every LPI gets: priority 0xA0, Group 1 (RES1 bit 1), enabled. */
    static final int LPI_CONFIG = 0xA0 | 0b11;

    static final long GICD_CTLR = 0x0000;
    static final long GICR_CTLR = 0x0000;
    static final long GICR_WAKER = 0x0014;
    static final long GICR_PROPBASER = 0x0070;
    static final long GICR_PENDBASER = 0x0078;
    static final long PTZ = 1L << 62;

    static final long GITS_CTLR = 0x0000;
    static final long GITS_CBASER = 0x0080;
    static final long GITS_CWRITER = 0x0088;
    static final long GITS_CREADR = 0x0090;
    static final long GITS_BASER = 0x0100;
    static final long VALID = 1L << 63;
    static final long INNER_RAWAWB = 7L << 59;
    static final long INNER_SHAREABLE = 1L << 10;
    static final long ENTRY_SIZE_8 = 7L << 48;

    static final int MAPD = 0x08;
    static final int MAPC = 0x09;
    static final int MAPTI = 0x0A;
    static final int INV = 0x0C;
    static final int INVALL = 0x0D;
    static final int SYNC = 0x05;

    final GuestRam ram;
    final BenchHost host;
    final Gic gic;
    final int cpus;
    final int idBits;
    /** GITS_TRANSLATER of ITS 0 (ITS provider). */
    final long translater;

    private long next = ALLOC_BASE;
    private MmioRegion itsFrame;
    long queue;
    int queueBytes;

    /** A machine of {@code cpus} CPUs and {@code idBits} INTID bits on {@code provider}, in reset state. */
    Machine(GicProvider provider, int cpus, int idBits) {
        this(provider, cpus, idBits, new GuestRam(RAM_BASE, RAM_SIZE));
    }

    private Machine(GicProvider provider, int cpus, int idBits, GuestRam ram) {
        this.ram = ram;
        this.host = new BenchHost(ram, cpus);
        this.cpus = cpus;
        this.idBits = idBits;
        this.gic = provider.create(config(cpus, idBits), host);
        this.translater = gic.config().itses().get(0).translaterAddress();
    }

    /** A machine restored from {@code snapshot} on {@code provider}, sharing {@code from}'s RAM and host. */
    Machine(GicProvider provider, GicSnapshot snapshot, Machine from) {
        this.ram = from.ram;
        this.host = from.host;
        this.cpus = from.cpus;
        this.idBits = from.idBits;
        this.gic = provider.restore(snapshot, host);
        this.translater = from.translater;
    }

    static GicConfig config(int cpus, int idBits) {
        List<Integer> aff = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            aff.add((i / 16) << 8 | (i % 16));
        }
        return new GicConfig(aff, 64, idBits, 5, GicConfig.VIRT_GICD_BASE, GicConfig.VIRT_GICR_BASE,
            List.of(new ItsConfig(GicConfig.VIRT_ITS_BASE, 16, 16, false)));
    }

    static GicProvider its(int cacheEntries) {
        return new ItsGicProvider(ItsOptions.DEFAULTS.withTranslationCacheSize(cacheEntries));
    }

    static GicProvider its() {
        return new ItsGicProvider();
    }

    static GicProvider directLpi() {
        return new DirectLpiGicProvider();
    }

    // ---------------------------------------------------------------------------------------------
    // Registers

    private void write(long address, int size, long value) {
        MmioRegion r = gic.regionAt(address);
        if (r == null) {
            throw new IllegalStateException("no region at 0x" + Long.toHexString(address));
        }
        r.write(address - r.base(), size, value);
    }

    private long read(long address, int size) {
        MmioRegion r = gic.regionAt(address);
        return r.read(address - r.base(), size);
    }

    long rdBase(int cpu) {
        return gic.config().redistributorBase() + GicConfig.REDISTRIBUTOR_STRIDE * cpu;
    }

    /** The DirectLPI doorbell (GICR_SETLPIR) of {@code cpu}. */
    long setLpir(int cpu) {
        return gic.directLpi().orElseThrow().setLpirAddress(cpu);
    }

    // ---------------------------------------------------------------------------------------------
    // Bring-up (what Linux's GICv3 driver does)

    /**
     * Groups on, every CPU awake with PMR 0xFF and Group 1 enabled, {@code lpis} LPIs from 8192 configured
     * with {@link #LPI_CONFIG}, LPI tables programmed, EnableLPIs = 1 everywhere.
     */
    Machine bringUp(int lpis) {
        write(gic.config().distributorBase() + GICD_CTLR, 4, 0b11);
        ram.fill(PROP, lpis, LPI_CONFIG);
        for (int c = 0; c < cpus; c++) {
            write(rdBase(c) + GICR_WAKER, 4, 0);
            gic.cpu(c).write(IccRegister.PMR, 0xFF);
            gic.cpu(c).write(IccRegister.IGRPEN1, 1);
            write(rdBase(c) + GICR_PROPBASER, 8, PROP | (idBits - 1));
            write(rdBase(c) + GICR_PENDBASER, 8, (PEND0 + PEND_STRIDE * c) | PTZ);
            write(rdBase(c) + GICR_CTLR, 4, 1);
        }
        return this;
    }

    /** Takes (IAR1 + EOIR1) every interrupt pending on {@code cpu}; returns how many. */
    int drain(int cpu) {
        int n = 0;
        for (long id; (id = gic.cpu(cpu).read(IccRegister.IAR1)) != 1023; n++) {
            gic.cpu(cpu).write(IccRegister.EOIR1, id);
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------
    // ITS

    long alloc(long bytes, long align) {
        long a = (next + align - 1) & -align;
        next = a + bytes;
        ram.fill(a, (int) bytes, 0);
        return a;
    }

    private MmioRegion itsFrame() {
        if (itsFrame == null) {
            itsFrame = gic.regionAt(gic.config().itses().get(0).base());
        }
        return itsFrame;
    }

    void itsWrite(long off, int size, long value) {
        itsFrame().write(off, size, value);
    }

    long itsRead(long off, int size) {
        return itsFrame().read(off, size);
    }

    /**
     * ITS bring-up as Linux does it: flat device table (one 64 KiB page), flat collection table (4 KiB),
     * a command queue of {@code queuePages} 4 KiB pages, Enabled, then MAPC + SYNC and INVALL + SYNC for
     * every CPU (ICID = CPU number).
     */
    Machine bringUpIts(int queuePages) {
        long dt = alloc(0x1_0000, 0x1_0000);
        itsWrite(GITS_BASER, 8, VALID | INNER_RAWAWB | 1L << 56 | ENTRY_SIZE_8 | dt | INNER_SHAREABLE | 2L << 8);
        long ct = alloc(0x1000, 0x1000);
        itsWrite(GITS_BASER + 8, 8, VALID | INNER_RAWAWB | 4L << 56 | ENTRY_SIZE_8 | ct | INNER_SHAREABLE);
        queueBytes = queuePages * 0x1000;
        queue = alloc(queueBytes, 0x1_0000);
        itsWrite(GITS_CBASER, 8, VALID | INNER_RAWAWB | INNER_SHAREABLE | queue | (queuePages - 1));
        itsWrite(GITS_CWRITER, 8, 0);
        itsWrite(GITS_CTLR, 4, itsRead(GITS_CTLR, 4) | 1);
        for (int c = 0; c < cpus; c++) {
            post(mapc(c, c), sync(c), invall(c), sync(c));
        }
        return this;
    }

    /** MAPD of {@code device} with an ITT for {@code events} events (a power of two, at least 2). */
    void mapDevice(int device, int events) {
        int size = Integer.numberOfTrailingZeros(events) - 1;
        long itt = alloc(Math.max(256, 8L * events), 256);
        post(mapd(device, size, itt));
    }

    /** MAPTI + SYNC: ({@code device}, {@code event}) raises {@code intid} in collection {@code icid}. */
    void mapEvent(int device, int event, int intid, int icid) {
        post(mapti(device, event, intid, icid), sync(0));
    }

    /** Writes {@code commands} at GITS_CWRITER and advances it (one 64-bit write: the ITS runs them). */
    void post(long[]... commands) {
        long w = itsRead(GITS_CWRITER, 8) & 0xF_FFE0L;
        for (long[] c : commands) {
            place(w, c);
            w = (w + 32) % queueBytes;
        }
        itsWrite(GITS_CWRITER, 8, w);
        if ((itsRead(GITS_CREADR, 8) & 1) != 0 || itsRead(GITS_CREADR, 8) != w) {
            throw new IllegalStateException("ITS did not consume the commands: " + gic.diagnostics());
        }
    }

    /** Writes one command into the queue slot at byte {@code offset} (no CWRITER write). */
    void place(long offset, long[] command) {
        for (int i = 0; i < 4; i++) {
            ram.store(queue + offset + 8L * i, 8, command[i]);
        }
    }

    static long[] mapd(int device, int size, long itt) {
        return new long[] {MAPD | (long) device << 32, size, (itt & 0x000F_FFFF_FFFF_FF00L) | VALID, 0};
    }

    static long[] mapc(int icid, int processor) {
        return new long[] {MAPC, 0, icid | (long) processor << 16 | VALID, 0};
    }

    static long[] mapti(int device, int event, int intid, int icid) {
        return new long[] {MAPTI | (long) device << 32, event | (long) intid << 32, icid, 0};
    }

    static long[] inv(int device, int event) {
        return new long[] {INV | (long) device << 32, event, 0, 0};
    }

    static long[] invall(int icid) {
        return new long[] {INVALL, 0, icid, 0};
    }

    static long[] sync(int processor) {
        return new long[] {SYNC, 0, (long) processor << 16, 0};
    }

    /** Counter {@code name} of the GIC, 0 if absent. */
    long counter(String name) {
        return gic.counters().getOrDefault(name, 0L);
    }

    /** Fails setup (not a measurement) if {@code ok} is false. */
    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark setup: " + what);
        }
    }
}
