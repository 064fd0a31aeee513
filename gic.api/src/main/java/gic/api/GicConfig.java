package gic.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The shape of one emulated GIC: what a host chooses when it builds a machine. Immutable.
 *
 * @param cpuAffinities       one entry per CPU, in CPU-index order: the CPU's MPIDR affinity packed as
 *                            {@code Aff3<<24 | Aff2<<16 | Aff1<<8 | Aff0} (the layout of
 *                            {@code GICR_TYPER[63:32]}); all distinct
 * @param spiCount            number of SPIs, a multiple of 32 from 32 to 992 (INTIDs 32 upwards;
 *                            INTIDs 1020 and above are never SPIs)
 * @param lpiIdBits           INTID bits (GICD_TYPER.IDbits + 1), from 14 to 20; LPIs are INTIDs
 *                            8192 to 2^lpiIdBits - 1
 * @param priorityBits        implemented priority bits (ICC_CTLR_EL1.PRIbits + 1), from 5 to 8
 * @param distributorBase     guest physical base of the 64 KiB GICD frame
 * @param redistributorBase   guest physical base of the redistributors, 128 KiB per CPU, contiguous
 * @param itses               the ITSes, in order; used by the ITS-backed provider, carried unchanged by
 *                            the DirectLPI provider so a snapshot can go back to an ITS-backed one
 */
public record GicConfig(List<Integer> cpuAffinities, int spiCount, int lpiIdBits, int priorityBits,
                        long distributorBase, long redistributorBase, List<ItsConfig> itses) {

    /** QEMU virt's GICD base. */
    public static final long VIRT_GICD_BASE = 0x0800_0000L;
    /** QEMU virt's first ITS base. */
    public static final long VIRT_ITS_BASE = 0x0808_0000L;
    /** QEMU virt's GICR base. */
    public static final long VIRT_GICR_BASE = 0x080A_0000L;
    /** Bytes of one GICv3 redistributor: RD_base and SGI_base frames. */
    public static final long REDISTRIBUTOR_STRIDE = 0x2_0000L;
    /** Bytes of the GICD frame. */
    public static final long DISTRIBUTOR_SIZE = 0x1_0000L;
    /** Most CPUs one GIC serves (GICR_TYPER.Processor_Number is 16 bits; this bound keeps state small). */
    public static final int MAX_CPUS = 512;

    public GicConfig {
        cpuAffinities = List.copyOf(cpuAffinities);
        itses = List.copyOf(itses);
        if (cpuAffinities.isEmpty() || cpuAffinities.size() > MAX_CPUS) {
            throw new IllegalArgumentException("cpu count must be 1.." + MAX_CPUS);
        }
        if (cpuAffinities.stream().distinct().count() != cpuAffinities.size()) {
            throw new IllegalArgumentException("CPU affinities must be distinct");
        }
        if (spiCount < 32 || spiCount > 992 || spiCount % 32 != 0) {
            throw new IllegalArgumentException("spiCount must be a multiple of 32 in 32..992");
        }
        if (lpiIdBits < 14 || lpiIdBits > 20) {
            throw new IllegalArgumentException("lpiIdBits must be 14..20");
        }
        if (priorityBits < 5 || priorityBits > 8) {
            throw new IllegalArgumentException("priorityBits must be 5..8");
        }
        long rdEnd = redistributorBase + REDISTRIBUTOR_STRIDE * cpuAffinities.size();
        List<long[]> ranges = new ArrayList<>();
        ranges.add(new long[] {distributorBase, distributorBase + DISTRIBUTOR_SIZE});
        ranges.add(new long[] {redistributorBase, rdEnd});
        for (ItsConfig its : itses) {
            ranges.add(new long[] {its.base(), its.base() + ItsConfig.SIZE});
        }
        for (long[] r : ranges) {
            if (r[0] < 0 || (r[0] & 0xFFFF) != 0) {
                throw new IllegalArgumentException("frame bases must be 64 KiB aligned and non-negative");
            }
        }
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = i + 1; j < ranges.size(); j++) {
                if (ranges.get(i)[0] < ranges.get(j)[1] && ranges.get(j)[0] < ranges.get(i)[1]) {
                    throw new IllegalArgumentException("GIC frames overlap");
                }
            }
        }
    }

    /** The number of CPUs. */
    public int cpuCount() {
        return cpuAffinities.size();
    }

    /** The highest implemented SPI INTID. */
    public int maxSpi() {
        return Math.min(31 + spiCount, 1019);
    }

    /**
     * A QEMU-virt-like machine: {@code cpus} CPUs with Aff1 = index / 16 and Aff0 = index % 16, 256 SPIs,
     * 16 INTID bits, 5 priority bits, GICD at 0x08000000, GICR at 0x080A0000 and one ITS at 0x08080000
     * with 16 DeviceID and 16 EventID bits.
     */
    public static GicConfig virt(int cpus) {
        List<Integer> aff = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            aff.add((i / 16) << 8 | (i % 16));
        }
        return new GicConfig(aff, 256, 16, 5, VIRT_GICD_BASE, VIRT_GICR_BASE,
            List.of(new ItsConfig(VIRT_ITS_BASE, 16, 16, false)));
    }

    /** This configuration with other ITSes. */
    public GicConfig withItses(List<ItsConfig> newItses) {
        return new GicConfig(cpuAffinities, spiCount, lpiIdBits, priorityBits, distributorBase,
            redistributorBase, newItses);
    }
}
