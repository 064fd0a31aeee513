package gic.core;

import static gic.core.RegOffsets.*;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.GicProvider;
import gic.api.IccRegister;
import gic.api.ItsConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The GIC under test and the guest's usual steps, declared once for every test class.
 *
 * <p>{@link #cpus(int)} / {@link #affinities(List)} start a {@link Builder} for a {@link GicCore} on a
 * {@link TestHost} with {@link #RAM_SIZE} bytes of RAM at {@link #RAM_BASE} (64 SPIs, 16 INTID bits,
 * 5 priority bits, QEMU virt bases and no ITS unless the builder says otherwise).
 *
 * <p>The static steps are what a guest (or a device) does, named after the architectural step:
 * {@link #enableGroups}, {@link #wake}, {@link #enableCpuInterface}, {@code spi(g, 40).group(1)
 * .priority(0x80).edge().routeTo(1).enable()}, {@link #lpiConfig}, {@link #programLpiTables},
 * {@link #enableLpis}, ... They take the GIC they act on, so they work as well on a restored GIC or on
 * one with a mock host.
 */
public final class TestGic {

    public static final long RAM_BASE = 0x4000_0000L;
    public static final int RAM_SIZE = 4 << 20;
    /** LPI configuration table, shared by every redistributor (4 KiB aligned). */
    public static final long PROP = RAM_BASE + 0x10_0000L;
    /** Pending table of CPU 0; CPU {@code c}'s is {@link #pendTable(int)} (64 KiB each). */
    public static final long PEND0 = RAM_BASE + 0x20_0000L;
    public static final int SPURIOUS = 1023;
    public static final int LPI_BASE = 8192;

    /** Four CPUs in three clusters: 0.0.0.0, 0.0.0.1, 0.0.1.0 and 0.1.0.0. */
    public static final List<Integer> FOUR_CPUS = List.of(0x0, 0x1, 0x100, 0x10000);

    /** {@link #enableCpuInterface} group flags: ICC_IGRPEN0_EL1 and ICC_IGRPEN1_EL1. */
    public static final int GRP0 = 1;
    public static final int GRP1 = 2;

    private TestGic() {
    }

    // ---------------------------------------------------------------------------------------------
    // The GIC under test

    /** CPUs {@code 0..n-1} with Aff0 = index. */
    public static Builder cpus(int n) {
        List<Integer> aff = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            aff.add(i);
        }
        return affinities(aff);
    }

    /** One CPU per affinity (Aff3.Aff2.Aff1.Aff0 packed as in {@link GicConfig#cpuAffinities()}). */
    public static Builder affinities(List<Integer> aff) {
        return new Builder(aff);
    }

    /** The {@link TestHost} of a GIC a {@link Builder} made. */
    public static TestHost host(GicCore g) {
        return (TestHost) g.host();
    }

    public static final class Builder {
        private final List<Integer> affinities;
        private int spis = 64;
        private int lpiIdBits = 16;
        private int priorityBits = 5;
        private int ramSize = RAM_SIZE;
        private boolean lenient;
        private List<ItsConfig> itses = List.of();

        private Builder(List<Integer> affinities) {
            this.affinities = List.copyOf(affinities);
        }

        public Builder spis(int n) {
            spis = n;
            return this;
        }

        public Builder lpiIdBits(int bits) {
            lpiIdBits = bits;
            return this;
        }

        public Builder priorityBits(int bits) {
            priorityBits = bits;
            return this;
        }

        public Builder ramSize(int bytes) {
            ramSize = bytes;
            return this;
        }

        /** A host that records guest errors instead of failing the test on them. */
        public Builder lenient() {
            lenient = true;
            return this;
        }

        /** {@code lenient()} if {@code yes}. */
        public Builder lenient(boolean yes) {
            lenient = yes;
            return this;
        }

        /** The ITSes of the configuration (none by default). */
        public Builder itses(List<ItsConfig> its) {
            itses = List.copyOf(its);
            return this;
        }

        public GicConfig config() {
            return new GicConfig(affinities, spis, lpiIdBits, priorityBits, GicConfig.VIRT_GICD_BASE,
                GicConfig.VIRT_GICR_BASE, itses);
        }

        /** A fresh strict (or lenient) {@link TestHost} with this builder's RAM. */
        public TestHost host() {
            return lenient ? TestHost.lenient(RAM_BASE, ramSize) : new TestHost(RAM_BASE, ramSize);
        }

        /** A fresh GIC on a fresh strict (or lenient) {@link TestHost}; {@link TestGic#host} finds it. */
        public GicCore create() {
            return create(host());
        }

        /**
         * A fresh GIC made by {@code provider} (an implementation's {@link GicProvider}) on a fresh
         * {@link TestHost}; every provider of this project returns a {@link GicCore}.
         */
        public GicCore create(GicProvider provider) {
            return (GicCore) provider.create(config(), host());
        }

        public GicCore create(GicHost host) {
            return GicCore.create(config(), host);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Bring-up: distributor, redistributors, CPU interfaces

    /** GICD_CTLR = EnableGrp0 | EnableGrp1. */
    public static void enableGroups(Gic g) {
        Regs.gicd(g, GICD_CTLR, 0b11);
    }

    /** GICR_WAKER.ProcessorSleep = 0 (Linux's wake-up). */
    public static void wake(Gic g, int cpu) {
        Regs.gicr(g, cpu, GICR_WAKER, 0);
    }

    /** GICR_WAKER.ProcessorSleep = 1. */
    public static void sleep(Gic g, int cpu) {
        Regs.gicr(g, cpu, GICR_WAKER, 0x2);
    }

    /** {@link #wake} of every redistributor. */
    public static void wakeAll(Gic g) {
        for (int c = 0; c < g.config().cpuCount(); c++) {
            wake(g, c);
        }
    }

    /** ICC_PMR_EL1 = {@code pmr}, then ICC_IGRPEN0/1_EL1 = 1 for the {@code groups} ({@link #GRP0} | {@link #GRP1}). */
    public static void enableCpuInterface(Gic g, int cpu, int pmr, int groups) {
        g.cpu(cpu).write(IccRegister.PMR, pmr);
        if ((groups & GRP0) != 0) {
            g.cpu(cpu).write(IccRegister.IGRPEN0, 1);
        }
        if ((groups & GRP1) != 0) {
            g.cpu(cpu).write(IccRegister.IGRPEN1, 1);
        }
    }

    /**
     * A GIC as an OS leaves it: {@link #enableGroups}, then every CPU {@link #wake}s its redistributor
     * and {@link #enableCpuInterface}s with {@code pmr} and {@code groups}.
     */
    public static void bringUpAllCpus(Gic g, int pmr, int groups) {
        enableGroups(g);
        for (int c = 0; c < g.config().cpuCount(); c++) {
            wake(g, c);
            enableCpuInterface(g, c, pmr, groups);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // SPIs, SGIs and PPIs

    /** Bit of {@code intid} in its 32-bit set/clear-enable, pending, active or group word. */
    public static long bit(int intid) {
        return 1L << (intid % 32);
    }

    /** Offset of the 32-bit word holding {@code intid}'s bit in the bitmap at {@code base}. */
    public static long word(long base, int intid) {
        return base + 4L * (intid / 32);
    }

    /** SPI {@code intid}, configured in the GICD frame step by step: {@code spi(g, 40).group(1)...enable()}. */
    public static Irq spi(Gic g, int intid) {
        return new Irq(g, -1, intid);
    }

    /** SGI or PPI {@code intid} of CPU {@code cpu}, configured in its SGI_base frame. */
    public static Irq sgiPpi(Gic g, int cpu, int intid) {
        return new Irq(g, cpu, intid);
    }

    /** GICD_ISPENDR: makes SPI {@code intid} pending. */
    public static void pendSpi(Gic g, int intid) {
        Regs.gicd(g, word(GICD_ISPENDR, intid), bit(intid));
    }

    public static boolean spiPending(Gic g, int intid) {
        return (Regs.gicd(g, word(GICD_ISPENDR, intid)) & bit(intid)) != 0;
    }

    public static boolean spiActive(Gic g, int intid) {
        return (Regs.gicd(g, word(GICD_ISACTIVER, intid)) & bit(intid)) != 0;
    }

    /** The steps that configure one interrupt; each writes its register at once (read-modify-write). */
    public static final class Irq {
        private final Gic g;
        private final int cpu;
        private final int intid;

        private Irq(Gic g, int cpu, int intid) {
            this.g = g;
            this.cpu = cpu;
            this.intid = intid;
        }

        /** I[C]GROUPR: Group 0 or Group 1. */
        public Irq group(int group) {
            long off = word(GICD_IGROUPR, intid);
            long w = read(off);
            write(off, 4, group == 1 ? w | bit(intid) : w & ~bit(intid));
            return this;
        }

        /** IPRIORITYR byte. */
        public Irq priority(int priority) {
            write(GICD_IPRIORITYR + intid, 1, priority);
            return this;
        }

        /** ICFGR: edge-triggered. */
        public Irq edge() {
            return trigger(true);
        }

        /** ICFGR: level-sensitive. */
        public Irq level() {
            return trigger(false);
        }

        private Irq trigger(boolean edge) {
            long off = GICD_ICFGR + 4L * (intid / 16);
            long edgeBit = 1L << (2 * (intid % 16) + 1);
            long w = read(off);
            write(off, 4, edge ? w | edgeBit : w & ~edgeBit);
            return this;
        }

        /** GICD_IROUTER (64-bit): routed to CPU {@code target}'s affinity, IRM = 0. */
        public Irq routeTo(int target) {
            int aff = g.config().cpuAffinities().get(target);
            return irouter((long) (aff >>> 24) << 32 | aff & 0xFF_FFFFL);
        }

        /** GICD_IROUTER (64-bit) written with a raw value: affinity fields and IRM (bit 31). */
        public Irq irouter(long value) {
            if (cpu >= 0) {
                throw new IllegalStateException("SGIs and PPIs have no IROUTER");
            }
            Regs.gicd(g, GICD_IROUTER + 8L * intid, 8, value);
            return this;
        }

        /** ISENABLER: enabled. */
        public Irq enable() {
            write(word(GICD_ISENABLER, intid), 4, bit(intid));
            return this;
        }

        // GICD and SGI_base share these offsets (IGROUPR0, ISENABLER0, IPRIORITYR, ICFGR0/1).
        private long read(long off) {
            return cpu < 0 ? Regs.gicd(g, off) : Regs.sgi(g, cpu, off);
        }

        private void write(long off, int size, long v) {
            if (cpu < 0) {
                Regs.gicd(g, off, size, v);
            } else {
                Regs.sgi(g, cpu, off, size, v);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // LPIs

    /** Guest physical address of CPU {@code cpu}'s pending table. */
    public static long pendTable(int cpu) {
        return PEND0 + 0x1_0000L * cpu;
    }

    /** Writes LPI {@code intid}'s byte of the configuration table at {@link #PROP}. */
    public static void lpiConfig(GicCore g, int intid, int prio, boolean enabled) {
        // bit 1 is RES1 (Linux writes LPI_PROP_GROUP1); bit 0 is Enable
        assertTrue(g.memory().store(PROP + (intid - LPI_BASE), 1, prio | 0b10 | (enabled ? 1 : 0)));
    }

    /**
     * GICR_PROPBASER = {@link #PROP} with {@code idBits} (the field: INTID bits - 1) and GICR_PENDBASER =
     * {@link #pendTable} with PTZ = 1 (the table is zero), as 64-bit writes.
     */
    public static void programLpiTables(Gic g, int cpu, int idBits) {
        programLpiTables(g, cpu, idBits, true);
    }

    /** As {@link #programLpiTables(Gic, int, int)} with PTZ = 0: EnableLPIs reads the pending table. */
    public static void programLpiTablesWithoutPtz(Gic g, int cpu, int idBits) {
        programLpiTables(g, cpu, idBits, false);
    }

    private static void programLpiTables(Gic g, int cpu, int idBits, boolean ptz) {
        Regs.gicr(g, cpu, GICR_PROPBASER, 8, PROP | idBits);
        Regs.gicr(g, cpu, GICR_PENDBASER, 8, pendTable(cpu) | (ptz ? PTZ : 0));
    }

    /** GICR_CTLR.EnableLPIs = 1. */
    public static void enableLpis(Gic g, int cpu) {
        Regs.gicr(g, cpu, GICR_CTLR, Regs.gicr(g, cpu, GICR_CTLR) | 1);
    }

    /** GICR_CTLR.EnableLPIs = 0. */
    public static void disableLpis(Gic g, int cpu) {
        Regs.gicr(g, cpu, GICR_CTLR, Regs.gicr(g, cpu, GICR_CTLR) & ~1L);
    }

    /** LPI {@code intid}'s bit in CPU {@code cpu}'s pending table in guest memory. */
    public static boolean pendingTableBit(GicCore g, int cpu, int intid) {
        return (g.memory().load(pendTable(cpu) + intid / 8, 1).getAsLong() >>> (intid % 8) & 1) != 0;
    }

    /** Sets LPI {@code intid}'s bit in CPU {@code cpu}'s pending table in guest memory. */
    public static void setPendingTableBit(GicCore g, int cpu, int intid) {
        long addr = pendTable(cpu) + intid / 8;
        long b = g.memory().load(addr, 1).getAsLong();
        assertTrue(g.memory().store(addr, 1, b | 1L << (intid % 8)));
    }

    // ---------------------------------------------------------------------------------------------
    // Taking interrupts

    /** Acknowledges and EOIs (EOImode 0) Group 1 interrupts of {@code cpu} until IAR1 reads 1023. */
    public static List<Integer> drainGroup1(Gic g, int cpu) {
        return drainGroup1(g, cpu, 100_000);
    }

    /** As {@link #drainGroup1(Gic, int)}, at most {@code max} of them. */
    public static List<Integer> drainGroup1(Gic g, int cpu, int max) {
        List<Integer> out = new ArrayList<>();
        for (int guard = 0; guard < 100_000; guard++) {
            if (out.size() >= max) {
                return out;
            }
            int id = (int) g.cpu(cpu).read(IccRegister.IAR1);
            if (id == SPURIOUS) {
                return out;
            }
            out.add(id);
            g.cpu(cpu).write(IccRegister.EOIR1, id);
        }
        return fail("IAR1 never ran dry");
    }
}
