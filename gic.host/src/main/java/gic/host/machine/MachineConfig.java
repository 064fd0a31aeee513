package gic.host.machine;

import gic.api.GicConfig;
import gic.api.ItsConfig;
import java.util.List;

/**
 * The shape of the reference machine, and its fixed interrupt plan.
 *
 * <p>LPI plan, the same under both providers so that a swap keeps every LPI on its CPU: vector {@code v} of
 * device {@code d} is LPI {@code 8192 + d * vectorsPerDevice + v}, targets CPU
 * {@code (d * vectorsPerDevice + v) % cpus}, and goes through the ITS collection whose ICID is that CPU's
 * index. Device {@code d}'s requester DeviceID is its PCI bus/device/function 00:(d+1).0.
 *
 * @param cpus              vCPUs, 1..512
 * @param ramMiB            guest RAM in MiB, 1..2047
 * @param ramBase           guest physical base of RAM, 64 KiB aligned, clear of the GIC frames
 * @param devices           MSI-capable devices
 * @param vectorsPerDevice  MSI-X vectors of each device, at least 1
 * @param msiRatePerDevice  MSIs per second each device writes; 0 = as fast as it can
 * @param timerHz           EL1 physical timer (PPI 30) ticks per second on every CPU; 0 = no timer
 * @param spiRateHz         edge-triggered SPI pulses per second from the wired device; 0 = no SPI device
 * @param gicdBase          GICD frame base
 * @param gicrBase          base of the redistributors (128 KiB per CPU)
 * @param itsBase           base of the one ITS (used by the ITS provider, carried by the DirectLPI one)
 */
public record MachineConfig(int cpus, int ramMiB, long ramBase, int devices, int vectorsPerDevice,
                            int msiRatePerDevice, int timerHz, int spiRateHz,
                            long gicdBase, long gicrBase, long itsBase) {

    /** The first LPI INTID. */
    public static final int FIRST_LPI = 8192;
    /** LPI INTID bits of the GIC the machine builds (as Linux uses at most). */
    public static final int LPI_ID_BITS = 16;
    /** DeviceID and EventID bits of the ITS (KVM's and QEMU's values). */
    public static final int ITS_ID_BITS = 16;
    /** SPIs the GIC implements. */
    public static final int SPI_COUNT = 256;
    /** Implemented priority bits. */
    public static final int PRIORITY_BITS = 5;

    public MachineConfig {
        if (cpus < 1 || cpus > GicConfig.MAX_CPUS) {
            throw new IllegalArgumentException("cpus must be 1.." + GicConfig.MAX_CPUS + ", got " + cpus);
        }
        if (ramMiB < 1 || ramMiB > 2047) {
            throw new IllegalArgumentException("ramMiB must be 1..2047, got " + ramMiB);
        }
        if (ramBase < 0 || (ramBase & 0xFFFF) != 0 || ramBase > Long.MAX_VALUE - ((long) ramMiB << 20)) {
            throw new IllegalArgumentException("ramBase must be 64 KiB aligned and non-negative");
        }
        if (devices < 0 || vectorsPerDevice < 1 || vectorsPerDevice > 1 << ITS_ID_BITS) {
            throw new IllegalArgumentException("devices must be >= 0 and vectorsPerDevice 1.." + (1 << ITS_ID_BITS));
        }
        if ((long) devices * vectorsPerDevice > (1 << LPI_ID_BITS) - FIRST_LPI || devices >= (1 << ITS_ID_BITS) / 8) {
            throw new IllegalArgumentException("devices x vectorsPerDevice exceeds the LPI or DeviceID space");
        }
        if (msiRatePerDevice < 0 || timerHz < 0 || spiRateHz < 0) {
            throw new IllegalArgumentException("rates must be >= 0");
        }
        GicConfig gic = gicConfig(cpus, gicdBase, gicrBase, itsBase); // checks the frames
        long ramEnd = ramBase + ((long) ramMiB << 20);
        long[][] frames = {
            {gic.distributorBase(), GicConfig.DISTRIBUTOR_SIZE},
            {gic.redistributorBase(), GicConfig.REDISTRIBUTOR_STRIDE * cpus},
            {itsBase, ItsConfig.SIZE}};
        for (long[] f : frames) {
            if (f[0] < ramEnd && ramBase < f[0] + f[1]) {
                throw new IllegalArgumentException("guest RAM overlaps a GIC frame at 0x" + Long.toHexString(f[0]));
            }
        }
    }

    /**
     * 4 CPUs, 64 MiB of RAM at 0x4000_0000, 4 devices of 8 vectors at 20,000 MSI/s each, a 100 Hz timer, a
     * 1 kHz SPI device, and QEMU virt's GIC frames (GICD 0x0800_0000, ITS 0x0808_0000, GICR 0x080A_0000).
     */
    public static MachineConfig defaults() {
        return new MachineConfig(4, 64, 0x4000_0000L, 4, 8, 20_000, 100, 1_000,
            GicConfig.VIRT_GICD_BASE, GicConfig.VIRT_GICR_BASE, GicConfig.VIRT_ITS_BASE);
    }

    /** The GIC to build: QEMU virt's CPU affinities and sizes, these frames, one ITS at {@link #itsBase}. */
    public GicConfig gicConfig() {
        return gicConfig(cpus, gicdBase, gicrBase, itsBase);
    }

    private static GicConfig gicConfig(int cpus, long gicd, long gicr, long its) {
        return new GicConfig(GicConfig.virt(cpus).cpuAffinities(), SPI_COUNT, LPI_ID_BITS, PRIORITY_BITS, gicd, gicr,
            List.of(new ItsConfig(its, ITS_ID_BITS, ITS_ID_BITS, false)));
    }

    /** Bytes of guest RAM. */
    public int ramBytes() {
        return ramMiB << 20;
    }

    /** LPIs the devices use. */
    public int lpis() {
        return devices * vectorsPerDevice;
    }

    /** The LPI of vector {@code vector} of device {@code device}. */
    public int lpi(int device, int vector) {
        return FIRST_LPI + device * vectorsPerDevice + vector;
    }

    /** The CPU that LPI {@code intid} of the plan targets. */
    public int lpiCpu(int intid) {
        return (intid - FIRST_LPI) % cpus;
    }

    /** Requester DeviceID of device {@code device}: PCI 00:(device+1).0. */
    public int deviceId(int device) {
        return (device + 1) << 3;
    }
}
