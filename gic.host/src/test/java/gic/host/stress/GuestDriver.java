package gic.host.stress;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GuestMemory;
import gic.api.IccRegister;
import gic.api.ItsConfig;
import gic.api.MmioRegion;
import java.util.zip.CRC32;

/**
 * The guest kernel's side of the GIC for the stress tests, through the public API only: MMIO by guest
 * physical address ({@link Gic#regionAt}), the CPU interfaces, and guest RAM. It does what Linux's GICv3
 * and ITS drivers do at bring-up (groups, wake-up, LPI tables, EnableLPIs; ITS tables, command queue,
 * one collection per CPU) and encodes the ITS commands of IHI 0069 ("ITS commands") itself.
 *
 * <p>The GIC it drives is {@link #gic}, which a provider swap replaces; the guest's memory (and so its
 * ITS tables and command queue) stays. Only one thread at a time may post commands.
 *
 * <p>Memory map (RAM at {@link #RAM_BASE}): LPI property table at +1 MiB, pending tables at +2 MiB
 * (64 KiB per CPU), ITS device table, collection table, command queue and ITTs from +4 MiB.
 */
final class GuestDriver {

    static final long RAM_BASE = 0x4000_0000L;
    static final int RAM_SIZE = 16 << 20;
    static final int LPI_ID_BITS = 16;
    static final int LPI_BASE = 8192;
    static final int SPURIOUS = 1023;
    static final long PROP = RAM_BASE + 0x10_0000L;
    static final int LPI_PRIORITY = 0xA0;

    // GICD / GICR registers (offsets in their frames)
    private static final long GICD_CTLR = 0x0000;
    private static final long GICR_CTLR = 0x0000;
    private static final long GICR_WAKER = 0x0014;
    private static final long GICR_PROPBASER = 0x0070;
    private static final long GICR_PENDBASER = 0x0078;
    private static final long GICR_INVLPIR = 0x00A0;
    private static final long GICR_INVALLR = 0x00B0;
    private static final long PENDBASER_PTZ = 1L << 62;

    // GITS registers
    static final long GITS_CTLR = 0x0000;
    static final long GITS_CBASER = 0x0080;
    static final long GITS_CWRITER = 0x0088;
    static final long GITS_CREADR = 0x0090;
    static final long GITS_BASER = 0x0100;
    private static final long VALID = 1L << 63;
    private static final long OFFSET_MASK = 0xF_FFE0L;
    private static final int QUEUE_BYTES = 0x1_0000;

    // ITS command opcodes (IHI 0069 "ITS commands")
    private static final int MOVI = 0x01;
    private static final int SYNC = 0x05;
    private static final int MAPD = 0x08;
    private static final int MAPC = 0x09;
    private static final int MAPTI = 0x0A;
    private static final int INV = 0x0C;
    private static final int INVALL = 0x0D;
    private static final int MOVALL = 0x0E;
    private static final int DISCARD = 0x0F;

    private static final long ITS_MEMORY = RAM_BASE + 0x40_0000L;
    private static final long DEVICE_TABLE = ITS_MEMORY;                 // 64 KiB page: 8192 DeviceIDs
    private static final long COLLECTION_TABLE = ITS_MEMORY + 0x1_0000L; // 4 KiB page: 512 ICIDs
    private static final long QUEUE = ITS_MEMORY + 0x2_0000L;            // 64 KiB: 2048 commands
    private static final long ITTS = ITS_MEMORY + 0x3_0000L;             // 256 bytes per device
    static final int ITT_BYTES = 256;

    final GuestMemory memory;
    final GicConfig config;
    volatile Gic gic;

    GuestDriver(Gic gic, GuestMemory memory) {
        this.gic = gic;
        this.memory = memory;
        this.config = gic.config();
    }

    /** QEMU virt's layout with {@code cpus} CPUs and one ITS, as the stress machines use. */
    static GicConfig config(int cpus) {
        return GicConfig.virt(cpus);
    }

    ItsConfig its() {
        return config.itses().get(0);
    }

    // ---------------------------------------------------------------------------------------------
    // MMIO

    long read(long address, int size) {
        MmioRegion r = gic.regionAt(address);
        if (r == null) {
            throw new AssertionError("no GIC region at 0x" + Long.toHexString(address));
        }
        return r.read(address - r.base(), size);
    }

    void write(long address, int size, long value) {
        MmioRegion r = gic.regionAt(address);
        if (r == null) {
            throw new AssertionError("no GIC region at 0x" + Long.toHexString(address));
        }
        r.write(address - r.base(), size, value);
    }

    long rdBase(int cpu) {
        return config.redistributorBase() + GicConfig.REDISTRIBUTOR_STRIDE * cpu;
    }

    long gits(long offset) {
        return read(its().base() + offset, 8);
    }

    void gits(long offset, long value) {
        write(its().base() + offset, 8, value);
    }

    void store(long address, int size, long value) {
        if (!memory.store(address, size, value)) {
            throw new AssertionError("guest store outside RAM at 0x" + Long.toHexString(address));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // LPIs

    static long pendTable(int cpu) {
        return RAM_BASE + 0x20_0000L + 0x1_0000L * cpu;
    }

    /** Writes LPI {@code intid}'s configuration byte: priority {@link #LPI_PRIORITY}, Group 1 (RES1), Enable. */
    void lpiConfig(int intid, boolean enabled) {
        store(PROP + (intid - LPI_BASE), 1, LPI_PRIORITY | 0b10 | (enabled ? 1 : 0));
    }

    /** GICR_INVLPIR of CPU {@code cpu} (DirectLPI only). */
    void invlpir(int cpu, int intid) {
        write(rdBase(cpu) + GICR_INVLPIR, 8, intid);
    }

    /** GICR_INVALLR of CPU {@code cpu} (DirectLPI only). */
    void invallr(int cpu) {
        write(rdBase(cpu) + GICR_INVALLR, 8, 0);
    }

    /**
     * Linux's GICv3 bring-up: GICD_CTLR EnableGrp0/1, then per CPU GICR_WAKER.ProcessorSleep = 0,
     * ICC_PMR_EL1 = 0xFF, ICC_IGRPEN1_EL1 = 1, the LPI tables (PTZ: the pending tables are zero) and
     * GICR_CTLR.EnableLPIs = 1. {@code lpis} are configured enabled first.
     */
    void bringUpGic(int[] lpis) {
        for (int l : lpis) {
            lpiConfig(l, true);
        }
        write(config.distributorBase() + GICD_CTLR, 4, 0b11);
        for (int c = 0; c < config.cpuCount(); c++) {
            write(rdBase(c) + GICR_WAKER, 4, 0);
            gic.cpu(c).write(IccRegister.PMR, 0xFF);
            gic.cpu(c).write(IccRegister.IGRPEN1, 1);
            write(rdBase(c) + GICR_PROPBASER, 8, PROP | (LPI_ID_BITS - 1));
            write(rdBase(c) + GICR_PENDBASER, 8, pendTable(c) | PENDBASER_PTZ);
            write(rdBase(c) + GICR_CTLR, 4, read(rdBase(c) + GICR_CTLR, 4) | 1);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // ITS

    /**
     * Linux's ITS bring-up: flat device table (one 64 KiB page) in GITS_BASER0, flat collection table
     * (one 4 KiB page) in GITS_BASER1, a 64 KiB queue in GITS_CBASER, CWRITER = 0, Enabled, then per CPU
     * c: MAPC(ICID c → CPU c), INVALL(c), SYNC.
     */
    void bringUpIts() {
        // BASER: Valid, Type/Entry_Size read-only, InnerCache RaWaWb, InnerShareable, Page_Size, Size = 0
        long attrs = VALID | 7L << 59 | 1L << 10;
        gits(GITS_BASER, attrs | DEVICE_TABLE | 2L << 8);
        gits(GITS_BASER + 8, attrs | COLLECTION_TABLE);
        gits(GITS_CBASER, attrs | QUEUE | (QUEUE_BYTES / 0x1000 - 1));
        gits(GITS_CWRITER, 0);
        write(its().base() + GITS_CTLR, 4, read(its().base() + GITS_CTLR, 4) | 1);
        for (int c = 0; c < config.cpuCount(); c++) {
            post(mapc(c, c), invall(c), sync(c));
        }
    }

    /** A checksum of the ITS's tables, queue and ITTs in guest memory (to see that nothing else wrote them). */
    long itsMemoryDigest() {
        byte[] b = new byte[(int) (ITTS - ITS_MEMORY) + 8 * ITT_BYTES];
        if (!memory.read(ITS_MEMORY, b, 0, b.length)) {
            throw new AssertionError("ITS memory outside RAM");
        }
        CRC32 crc = new CRC32();
        crc.update(b);
        return crc.getValue();
    }

    /** A zeroed ITT for device slot {@code slot} (up to 32 events), 256-byte aligned. */
    long zeroedItt(int slot) {
        long itt = ITTS + (long) ITT_BYTES * slot;
        memory.write(itt, new byte[ITT_BYTES], 0, ITT_BYTES);
        return itt;
    }

    /**
     * Writes {@code commands} into the queue from GITS_CWRITER on and moves CWRITER past them with one
     * 32-bit write, as Linux posts commands; then waits until GITS_CREADR has caught up (this model runs
     * commands within the write, so it has). Fails on a stalled queue.
     */
    void post(long[]... commands) {
        long w = gits(GITS_CWRITER) & OFFSET_MASK;
        for (long[] c : commands) {
            for (int i = 0; i < 4; i++) {
                store(QUEUE + w + 8L * i, 8, c[i]);
            }
            w = (w + 32) % QUEUE_BYTES;
        }
        write(its().base() + GITS_CWRITER, 4, w);
        for (int polls = 0; ; polls++) {
            long r = gits(GITS_CREADR);
            if ((r & 1) != 0) {
                throw new AssertionError("ITS command queue stalled at 0x" + Long.toHexString(r));
            }
            if ((r & OFFSET_MASK) == w) {
                return;
            }
            if (polls > 1_000_000) {
                throw new AssertionError("ITS command queue never drained");
            }
        }
    }

    private static long[] command(long dw0, long dw1, long dw2, long dw3) {
        return new long[] {dw0, dw1, dw2, dw3};
    }

    private static long device(int opcode, int deviceId) {
        return opcode | (deviceId & 0xFFFF_FFFFL) << 32;
    }

    /** RDbase field [51:16]: with GITS_TYPER.PTA = 0, the processor number. */
    private static long rd(int cpu) {
        return (long) cpu << 16;
    }

    static long[] mapd(int deviceId, int sizeField, long itt, boolean valid) {
        return command(device(MAPD, deviceId), sizeField & 0x1F, (itt & 0x000F_FFFF_FFFF_FF00L) | (valid ? VALID : 0), 0);
    }

    static long[] mapc(int icid, int cpu) {
        return command(MAPC, 0, VALID | rd(cpu) | (icid & 0xFFFF), 0);
    }

    static long[] mapti(int deviceId, int eventId, int pintid, int icid) {
        return command(device(MAPTI, deviceId), (eventId & 0xFFFF_FFFFL) | (long) pintid << 32, icid & 0xFFFF, 0);
    }

    static long[] movi(int deviceId, int eventId, int icid) {
        return command(device(MOVI, deviceId), eventId & 0xFFFF_FFFFL, icid & 0xFFFF, 0);
    }

    static long[] movall(int fromCpu, int toCpu) {
        return command(MOVALL, 0, rd(fromCpu), rd(toCpu));
    }

    static long[] discard(int deviceId, int eventId) {
        return command(device(DISCARD, deviceId), eventId & 0xFFFF_FFFFL, 0, 0);
    }

    static long[] inv(int deviceId, int eventId) {
        return command(device(INV, deviceId), eventId & 0xFFFF_FFFFL, 0, 0);
    }

    static long[] invall(int icid) {
        return command(INVALL, 0, icid & 0xFFFF, 0);
    }

    static long[] sync(int cpu) {
        return command(SYNC, 0, rd(cpu), 0);
    }
}
