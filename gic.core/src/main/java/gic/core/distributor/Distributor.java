package gic.core.distributor;

import gic.api.GicConfig;
import gic.api.GicSnapshot.DistributorState;
import gic.api.Longs;
import gic.api.MmioRegion;
import gic.core.GicCore;
import gic.core.IdRegisters;
import gic.core.irq.BankRegisters;
import gic.core.irq.Candidate;
import gic.core.irq.IrqBank;
import gic.core.reg.Field;
import gic.core.reg.RegisterTable;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The distributor (GICD): global control, the SPIs with their routing, and message-based SPIs.
 * Single security state (GICD_CTLR.DS = 1) with affinity routing always on (ARE = 1), so the GICv2
 * legacy registers and the GICD copies of SGI/PPI state are RAZ/WI.
 *
 * <p>Guest MMIO is serialised by the distributor's own lock (programming is rare); SPI state changes
 * from devices and acknowledges from CPUs are atomic bit operations on the bank, never under a global lock.
 */
public final class Distributor {

    public static final Field CTLR_ENABLE_GRP0 = new Field("EnableGrp0", 0, 1);
    public static final Field CTLR_ENABLE_GRP1 = new Field("EnableGrp1", 1, 1);
    public static final Field CTLR_ARE = new Field("ARE", 4, 1);
    public static final Field CTLR_DS = new Field("DS", 6, 1);

    public static final Field TYPER_IT_LINES = new Field("ITLinesNumber", 0, 5);
    public static final Field TYPER_MBIS = new Field("MBIS", 16, 1);
    public static final Field TYPER_LPIS = new Field("LPIS", 17, 1);
    public static final Field TYPER_ID_BITS = new Field("IDbits", 19, 5);
    public static final Field TYPER_A3V = new Field("A3V", 24, 1);
    public static final Field TYPER_NO1N = new Field("No1N", 25, 1);
    public static final Field TYPER_RSS = new Field("RSS", 26, 1);

    public static final Field IROUTER_AFF0 = new Field("Aff0", 0, 8);
    public static final Field IROUTER_AFF1 = new Field("Aff1", 8, 8);
    public static final Field IROUTER_AFF2 = new Field("Aff2", 16, 8);
    public static final Field IROUTER_IRM = new Field("Interrupt_Routing_Mode", 31, 1);
    public static final Field IROUTER_AFF3 = new Field("Aff3", 32, 8);
    private static final long IROUTER_MASK = IROUTER_AFF0.mask() | IROUTER_AFF1.mask() | IROUTER_AFF2.mask()
        | IROUTER_IRM.mask() | IROUTER_AFF3.mask();

    /** SETSPI_NSR / CLRSPI_NSR: INTID in bits [12:0]. */
    private static final Field SETSPI_INTID = new Field("INTID", 0, 13);

    /** GICD_IIDR (also GICR_IIDR): Arm implementer code 0x43B, product 0x4A. IMPDEF: chosen to match no Linux quirk. */
    public static final int IIDR = 0x4A00_043B;

    private static final RegisterTable<Distributor> REGS = registers();

    private final GicCore gic;
    private final GicConfig config;
    private final IrqBank spis;
    /** GICD_IROUTER per SPI and the CPU it names: written under the lock, read by any thread. */
    private final AtomicLongArray irouter;
    private final AtomicIntegerArray target;
    private final Object lock = new Object();
    private volatile int ctlr;
    private final MmioRegion region;

    public Distributor(GicCore gic) {
        this.gic = gic;
        this.config = gic.config();
        spis = new IrqBank(32, config.spiCount(), config.maxSpi(), config.priorityBits());
        irouter = new AtomicLongArray(config.spiCount());
        target = new AtomicIntegerArray(config.spiCount());
        for (int i = 0; i < target.length(); i++) {
            target.set(i, gic.cpuIndexOfAffinity(0));
        }
        region = new Region();
    }

    private static RegisterTable<Distributor> registers() {
        RegisterTable<Distributor> t = new RegisterTable<>("GICD", 0x10000);
        int w = RegisterTable.W;
        t.reg("GICD_CTLR", 0x0000, 4, w, (d, i) -> d.ctlr(), (d, i, v) -> d.writeCtlr((int) v));
        t.reg("GICD_TYPER", 0x0004, 4, w, (d, i) -> d.typer(), null);
        t.reg("GICD_IIDR", 0x0008, 4, w, (d, i) -> IIDR, null);
        t.reg("GICD_TYPER2", 0x000C, 4, w, (d, i) -> 0, null);
        t.razWi("GICD_STATUSR", 0x0010, 4, w);
        t.reg("GICD_SETSPI_NSR", 0x0040, 4, w, null, (d, i, v) -> d.messageSpi((int) v, true));
        t.reg("GICD_CLRSPI_NSR", 0x0048, 4, w, null, (d, i, v) -> d.messageSpi((int) v, false));
        t.razWi("GICD_SETSPI_SR", 0x0050, 4, w);
        t.razWi("GICD_CLRSPI_SR", 0x0058, 4, w);
        BankRegisters.declare(t, 32, 1, 2, d -> d.spis, Distributor::spisProgrammed);
        t.razWi("GICD_ITARGETSR", 0x0800, 0x400, RegisterTable.B | w);
        t.razWi("GICD_IGRPMODR", 0x0D00, 0x80, w);
        t.razWi("GICD_NSACR", 0x0E00, 0x100, w);
        t.razWi("GICD_SGIR", 0x0F00, 4, w);
        t.razWi("GICD_CPENDSGIR", 0x0F10, 0x10, RegisterTable.B | w);
        t.razWi("GICD_SPENDSGIR", 0x0F20, 0x10, RegisterTable.B | w);
        t.razWi("GICD_INMIR", 0x0F80, 0x80, w);
        // Extended SPI range (GICD_TYPER.ESPI = 0): RAZ/WI.
        t.razWi("GICD_IGROUPR<n>E", 0x1000, 0x80, w);
        t.razWi("GICD_ISENABLER<n>E", 0x1200, 0x80, w);
        t.razWi("GICD_ICENABLER<n>E", 0x1400, 0x80, w);
        t.razWi("GICD_ISPENDR<n>E", 0x1600, 0x80, w);
        t.razWi("GICD_ICPENDR<n>E", 0x1800, 0x80, w);
        t.razWi("GICD_ISACTIVER<n>E", 0x1A00, 0x80, w);
        t.razWi("GICD_ICACTIVER<n>E", 0x1C00, 0x80, w);
        t.razWi("GICD_IPRIORITYR<n>E", 0x2000, 0x400, RegisterTable.B | w);
        t.razWi("GICD_ICFGR<n>E", 0x3000, 0x100, w);
        t.razWi("GICD_IGRPMODR<n>E", 0x3400, 0x80, w);
        t.razWi("GICD_NSACR<n>E", 0x3600, 0x100, w);
        t.razWi("GICD_INMIR<n>E", 0x3B00, 0x80, w);
        // GICD_IROUTER<n> for n = 32..1019; 0x6000..0x60FF (n < 32) is reserved.
        t.array("GICD_IROUTER", 0x6100, 988, 8, RegisterTable.D | w,
            (d, i) -> d.irouter(32 + i), (d, i, v) -> d.writeIrouter(32 + i, v));
        t.razWi("GICD_IROUTER<n>E", 0x8000, 0x2000, RegisterTable.D | w);
        IdRegisters.declare(t);
        return t;
    }

    public MmioRegion region() {
        return region;
    }

    public IrqBank spis() {
        return spis;
    }

    /** GICD_CTLR as read: DS and ARE are RAO/WI, RWP reads 0 (writes take effect synchronously). */
    public int ctlr() {
        return ctlr | (int) (CTLR_ARE.mask() | CTLR_DS.mask());
    }

    /** Group-enable bits: bit 0 EnableGrp0, bit 1 EnableGrp1. */
    public int groupEnables() {
        return ctlr & 3;
    }

    private void writeCtlr(int v) {
        ctlr = v & (int) (CTLR_ENABLE_GRP0.mask() | CTLR_ENABLE_GRP1.mask());
        gic.updateAll(true);
    }

    private long typer() {
        long t = TYPER_IT_LINES.of(config.spiCount() / 32);
        t = TYPER_MBIS.set(t, 1);
        t = TYPER_LPIS.set(t, 1);
        t = TYPER_ID_BITS.set(t, config.lpiIdBits() - 1);
        t = TYPER_A3V.set(t, 1);
        t = TYPER_NO1N.set(t, 0); // 1-of-N routing (IROUTER.IRM = 1) is supported.
        return TYPER_RSS.set(t, 1);
    }

    private void messageSpi(int value, boolean set) {
        int intid = SETSPI_INTID.getInt(value);
        if (!spis.implemented(intid)) {
            gic.errors().report("GICD", (set ? "SETSPI_NSR" : "CLRSPI_NSR") + " of non-SPI INTID " + intid);
            return;
        }
        // IMPDEF: a message-based SPI sets (or clears) the pending latch, for either trigger mode.
        spis.put(IrqBank.Bits.PENDING, intid, set);
        gic.spiChanged(intid);
    }

    /** A message-based SPI arriving as an MSI write to GICD_SETSPI_NSR (lock-free, like a wire). */
    public void setSpiByMessage(int value) {
        messageSpi(value, true);
    }

    private long irouter(int intid) {
        return spis.implemented(intid) ? irouter.get(intid - 32) : 0;
    }

    private void writeIrouter(int intid, long v) {
        if (!spis.implemented(intid)) {
            return;
        }
        writeIrouterRaw(intid, v);
        gic.updateAll(true);
    }

    private static int affinityOf(long irouter) {
        return (int) (IROUTER_AFF3.get(irouter) << 24 | IROUTER_AFF2.get(irouter) << 16
            | IROUTER_AFF1.get(irouter) << 8 | IROUTER_AFF0.get(irouter));
    }

    private void spisProgrammed() {
        gic.updateAll(true);
    }

    /** Whether SPI {@code intid} uses 1-of-N routing. */
    public boolean isOneOfN(int intid) {
        return IROUTER_IRM.isSet(irouter.get(intid - 32));
    }

    /** The CPU an SPI with IRM = 0 targets, or -1 if no CPU has that affinity. */
    public int targetOf(int intid) {
        return target.get(intid - 32);
    }

    /** A device changed the level of an SPI's wire. */
    public void setLevel(int intid, boolean high) {
        if (!spis.implemented(intid)) {
            gic.errors().report("GICD", "wire input to non-SPI INTID " + intid);
            return;
        }
        if (spis.setLevel(intid, high)) {
            gic.spiChanged(intid);
        }
    }

    /**
     * The best SPI candidate for CPU {@code cpu}: pending, enabled, not active, in a group enabled in
     * {@code groupMask}, routed to that CPU (IRM = 0) or to any participating CPU (IRM = 1).
     */
    public long bestFor(int cpu, int groupMask, boolean participating) {
        long best = Candidate.NONE;
        for (int w = 0; w < spis.words(); w++) {
            int cand = spis.candidates(w);
            for (int bits = cand; bits != 0; bits &= bits - 1) {
                int b = Integer.numberOfTrailingZeros(bits);
                int i = w * 32 + b;
                boolean routed = IROUTER_IRM.isSet(irouter.get(i)) ? participating : target.get(i) == cpu;
                if (!routed) {
                    cand &= ~(1 << b);
                }
            }
            best = Candidate.bestOf(spis, cand, 32 + w * 32, groupMask, best);
        }
        return best;
    }

    public DistributorState save() {
        long[] routes = new long[irouter.length()];
        for (int i = 0; i < routes.length; i++) {
            routes[i] = irouter.get(i);
        }
        return new DistributorState(ctlr, spis.save(), Longs.of(routes));
    }

    public void restore(DistributorState s) {
        ctlr = s.ctlr() & 3;
        spis.restore(s.spis());
        for (int i = 0; i < irouter.length(); i++) {
            writeIrouterRaw(32 + i, i < s.irouter().size() ? s.irouter().get(i) : 0);
        }
    }

    private void writeIrouterRaw(int intid, long v) {
        irouter.set(intid - 32, v & IROUTER_MASK);
        target.set(intid - 32, gic.cpuIndexOfAffinity(affinityOf(v)));
    }

    private final class Region implements MmioRegion {
        @Override
        public String name() {
            return "GICD";
        }

        @Override
        public long base() {
            return config.distributorBase();
        }

        @Override
        public long size() {
            return GicConfig.DISTRIBUTOR_SIZE;
        }

        @Override
        public long read(long offset, int size) {
            synchronized (lock) {
                return REGS.read(Distributor.this, offset, size, "GICD", gic.errors());
            }
        }

        @Override
        public void write(long offset, int size, long value) {
            synchronized (lock) {
                REGS.write(Distributor.this, offset, size, value, "GICD", gic.errors());
            }
        }
    }
}
