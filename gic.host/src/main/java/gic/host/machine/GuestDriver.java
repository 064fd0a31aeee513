package gic.host.machine;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicProvider;
import gic.api.IccRegister;
import gic.api.MmioRegion;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The guest's GIC driver, programming through MMIO, system registers and guest RAM only, in the order of
 * Linux 6.x's {@code irq-gic-v3.c}: distributor, then per CPU the redistributor, CPU interface and LPI tables.
 * The LPI back end is a subclass: {@link ItsGuestDriver} ({@code irq-gic-v3-its.c}) or
 * {@link DirectLpiGuestDriver}. A driver object serves one GIC; all it needs to remember lives in guest RAM
 * or in GIC registers, so a new one can take over a restored GIC.
 *
 * <p>A driver step that cannot complete (a register that does not stick, a wait that never ends) throws
 * {@link IllegalStateException}: the guest would not boot on such a GIC.
 */
abstract class GuestDriver {

    // GICD frame (IHI 0069 12.9)
    static final long GICD_CTLR = 0x0000;
    static final long GICD_TYPER = 0x0004;
    static final long GICD_IGROUPR = 0x0080;
    static final long GICD_ISENABLER = 0x0100;
    static final long GICD_ICENABLER = 0x0180;
    static final long GICD_ICACTIVER = 0x0380;
    static final long GICD_IPRIORITYR = 0x0400;
    static final long GICD_ICFGR = 0x0C00;
    static final long GICD_IROUTER = 0x6000;
    /** GICD_CTLR.ARE_NS | EnableGrp1A | EnableGrp1, as Linux writes it. */
    static final long GICD_CTLR_LINUX = 1 << 4 | 1 << 1 | 1;

    // Redistributor RD_base frame (12.10)
    static final long GICR_CTLR = 0x0000;
    static final long GICR_TYPER = 0x0008;
    static final long GICR_WAKER = 0x0014;
    static final long GICR_SETLPIR = 0x0040;
    static final long GICR_PROPBASER = 0x0070;
    static final long GICR_PENDBASER = 0x0078;
    static final long GICR_INVLPIR = 0x00A0;
    static final long GICR_SYNCR = 0x00C0;
    static final long GICR_CTLR_ENABLE_LPIS = 1;
    static final long GICR_TYPER_PLPIS = 1;
    static final long GICR_TYPER_DIRECT_LPI = 1 << 3;
    static final long WAKER_PROCESSOR_SLEEP = 1 << 1;
    static final long WAKER_CHILDREN_ASLEEP = 1 << 2;
    /** PROPBASER/PENDBASER InnerShareable and RaWaWb, as Linux writes them; PENDBASER.PTZ. */
    static final long INNER_SHAREABLE = 1L << 10;
    static final long RAWAWB = 7L << 7;
    static final long PTZ = 1L << 62;
    static final long PA_MASK = 0x000F_FFFF_FFFF_F000L;

    // SGI_base frame, 64 KiB above RD_base
    static final long SGI_BASE = 0x1_0000;
    static final long GICR_IGROUPR0 = SGI_BASE + 0x0080;
    static final long GICR_ISENABLER0 = SGI_BASE + 0x0100;
    static final long GICR_ICENABLER0 = SGI_BASE + 0x0180;
    static final long GICR_ICACTIVER0 = SGI_BASE + 0x0380;
    static final long GICR_IPRIORITYR = SGI_BASE + 0x0400;
    static final long GICR_ICFGR1 = SGI_BASE + 0x0C04;

    /** Linux's GICD_INT_DEF_PRI, its default PMR, and the LPI configuration byte bits. */
    static final int DEFAULT_PRIORITY = 0xA0;
    static final int DEFAULT_PMR = 0xF0;
    static final int LPI_PROP_GROUP1 = 1 << 1;
    static final int LPI_PROP_ENABLED = 1;
    /** Bound on register polls (WAKER, SYNCR, GITS_CREADR...). */
    static final int POLLS = 1_000_000;

    protected final Gic gic;
    protected final GuestRam ram;
    protected final MachineConfig config;
    protected final List<MsiDevice> devices;

    GuestDriver(Gic gic, GuestRam ram, MachineConfig config, List<MsiDevice> devices) {
        this.gic = gic;
        this.ram = ram;
        this.config = config;
        this.devices = devices;
    }

    /** The driver for {@code gic}'s LPI mode. */
    static GuestDriver of(Gic gic, GuestRam ram, MachineConfig config, List<MsiDevice> devices) {
        return switch (gic.lpiMode()) {
            case GicProvider.LPI_ITS -> new ItsGuestDriver(gic, ram, config, devices);
            case GicProvider.LPI_DIRECT -> new DirectLpiGuestDriver(gic, ram, config, devices);
            default -> throw new IllegalArgumentException("no guest driver for LPI mode " + gic.lpiMode());
        };
    }

    /** First boot on a GIC in its reset state: distributor, every CPU, then the MSI side. */
    final void boot() {
        initDistributor();
        int idBits = Math.min((int) (gicd(GICD_TYPER) >>> 19 & 0x1F) + 1, MachineConfig.LPI_ID_BITS);
        long propTable = ram.allocate(1L << idBits, 0x1_0000);
        // its_setup_lpi_prop_table: every LPI at the default priority, Group 1, disabled
        ram.fill(propTable, 1L << idBits, DEFAULT_PRIORITY | LPI_PROP_GROUP1);
        for (int c = 0; c < config.cpus(); c++) {
            initCpu(c);
            initLpis(c, propTable, idBits);
        }
        initMsi();
    }

    /** Brings the MSI side up on a fresh GIC and programs every device's MSI-X table. */
    protected abstract void initMsi();

    /**
     * Takes over a GIC restored from a snapshot of this guest's GIC (maybe of the other provider): whatever
     * this mode needs beyond what the snapshot and guest RAM hold, then the MSI-X tables. LPI tables are never
     * reset: pending state lives there.
     */
    abstract void reattach();

    // ---------------------------------------------------------------------------------------------
    // irq-gic-v3.c

    /** gic_dist_init, then the wired SPI device's interrupts set to edge, routed and enabled. */
    private void initDistributor() {
        gicdWrite(GICD_CTLR, 0);
        int spis = gic.config().spiCount();
        for (int n = 1; n <= spis / 32; n++) {
            gicdWrite(GICD_IGROUPR + 4L * n, 0xFFFF_FFFFL);
            gicdWrite(GICD_ICACTIVER + 4L * n, 0xFFFF_FFFFL);
            gicdWrite(GICD_ICENABLER + 4L * n, 0xFFFF_FFFFL);
        }
        for (int n = 2; n < 2 + spis / 16; n++) {
            gicdWrite(GICD_ICFGR + 4L * n, 0); // level-sensitive
        }
        for (int intid = 32; intid < 32 + spis; intid += 4) {
            gicdWrite(GICD_IPRIORITYR + intid, DEFAULT_PRIORITY * 0x0101_0101L);
        }
        for (int intid = 32; intid < 32 + spis; intid++) {
            write(gic.config().distributorBase() + GICD_IROUTER + 8L * intid, 8, irouter(0));
        }
        gicdWrite(GICD_CTLR, GICD_CTLR_LINUX);
        for (int i = 0; i < Timer.spiLines(config.cpus()); i++) {
            int intid = Timer.FIRST_SPI + i;
            long icfgr = GICD_ICFGR + 4L * (intid / 16);
            gicdWrite(icfgr, gicd(icfgr) | 2L << 2 * (intid % 16)); // edge-triggered
            write(gic.config().distributorBase() + GICD_IROUTER + 8L * intid, 8, irouter(i % config.cpus()));
            gicdWrite(GICD_ISENABLER + 4L * (intid / 32), 1L << intid % 32);
        }
    }

    /** gic_cpu_init: wake the redistributor, SGIs/PPIs Group 1 at the default priority, the CPU interface, the timer PPI. */
    private void initCpu(int c) {
        long rd = rdBase(c);
        write(rd + GICR_WAKER, 4, read(rd + GICR_WAKER, 4) & ~WAKER_PROCESSOR_SLEEP);
        poll(() -> (read(rd + GICR_WAKER, 4) & WAKER_CHILDREN_ASLEEP) == 0, "GICR_WAKER.ChildrenAsleep of CPU " + c);
        write(rd + GICR_IGROUPR0, 4, 0xFFFF_FFFFL);
        write(rd + GICR_ICACTIVER0, 4, 0xFFFF_FFFFL);
        write(rd + GICR_ICENABLER0, 4, 0xFFFF_0000L); // PPIs off; SGIs on
        write(rd + GICR_ISENABLER0, 4, 0x0000_FFFFL);
        for (int n = 0; n < 8; n++) {
            write(rd + GICR_IPRIORITYR + 4L * n, 4, DEFAULT_PRIORITY * 0x0101_0101L);
        }
        var cpu = gic.cpu(c);
        cpu.write(IccRegister.SRE, cpu.read(IccRegister.SRE) | 1);
        cpu.write(IccRegister.PMR, DEFAULT_PMR);
        cpu.write(IccRegister.BPR1, 0);
        cpu.write(IccRegister.CTLR, 0); // EOImode 0: EOIR drops priority and deactivates
        cpu.write(IccRegister.IGRPEN1, 1);
        // arch_timer: PPI 30 level-sensitive, enabled
        write(rd + GICR_ICFGR1, 4, read(rd + GICR_ICFGR1, 4) & ~(3L << 2 * (Vcpu.TIMER_PPI - 16)));
        write(rd + GICR_ISENABLER0, 4, 1L << Vcpu.TIMER_PPI);
    }

    /** its_cpu_init_lpis: the shared property table, a zeroed pending table (PTZ), EnableLPIs. */
    private void initLpis(int c, long propTable, int idBits) {
        long rd = rdBase(c);
        check((read(rd + GICR_TYPER, 8) & GICR_TYPER_PLPIS) != 0, "GICR_TYPER.PLPIS of CPU " + c);
        long pend = ram.allocate(Math.max(1L << idBits >>> 3, 0x1_0000), 0x1_0000);
        long prop = propTable | INNER_SHAREABLE | RAWAWB | (idBits - 1);
        write(rd + GICR_PROPBASER, 8, prop);
        check(read(rd + GICR_PROPBASER, 8) == prop, "GICR_PROPBASER of CPU " + c + " sticks");
        write(rd + GICR_PENDBASER, 8, pend | INNER_SHAREABLE | RAWAWB | PTZ);
        write(rd + GICR_CTLR, 4, read(rd + GICR_CTLR, 4) | GICR_CTLR_ENABLE_LPIS);
        check((read(rd + GICR_CTLR, 4) & GICR_CTLR_ENABLE_LPIS) != 0, "GICR_CTLR.EnableLPIs of CPU " + c);
    }

    // ---------------------------------------------------------------------------------------------
    // For the LPI back ends

    /** The LPI property table, as GICR_PROPBASER names it. */
    protected final long propTable() {
        return read(rdBase(0) + GICR_PROPBASER, 8) & PA_MASK;
    }

    /** Writes LPI {@code intid}'s configuration byte: default priority, Group 1, enabled or not. */
    protected final void lpiConfig(int intid, boolean enabled) {
        long at = propTable() + intid - MachineConfig.FIRST_LPI;
        check(ram.store(at, 1, DEFAULT_PRIORITY | LPI_PROP_GROUP1 | (enabled ? LPI_PROP_ENABLED : 0)),
            "LPI property table in RAM");
    }

    /** RD_base of CPU {@code c} (the redistributors are contiguous, in CPU order). */
    protected final long rdBase(int c) {
        return gic.config().redistributorBase() + GicConfig.REDISTRIBUTOR_STRIDE * c;
    }

    /** GICD_IROUTER value naming CPU {@code c}: Aff3 in [39:32], Aff2.Aff1.Aff0 in [23:0], IRM = 0. */
    private long irouter(int c) {
        long aff = gic.config().cpuAffinities().get(c) & 0xFFFF_FFFFL;
        return (aff & 0xFF_FFFF) | (aff >>> 24) << 32;
    }

    private long gicd(long offset) {
        return read(gic.config().distributorBase() + offset, 4);
    }

    private void gicdWrite(long offset, long value) {
        write(gic.config().distributorBase() + offset, 4, value);
    }

    protected final long read(long address, int size) {
        MmioRegion r = region(address);
        return r.read(address - r.base(), size);
    }

    protected final void write(long address, int size, long value) {
        MmioRegion r = region(address);
        r.write(address - r.base(), size, value);
    }

    private MmioRegion region(long address) {
        MmioRegion r = gic.regionAt(address);
        check(r != null, "a GIC frame at 0x" + Long.toHexString(address));
        return r;
    }

    /** Polls {@code done} a bounded number of times. */
    protected static void poll(BooleanSupplier done, String what) {
        for (int i = 0; i < POLLS; i++) {
            if (done.getAsBoolean()) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException("timed out waiting for " + what);
    }

    protected static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("guest driver: expected " + what);
        }
    }
}
