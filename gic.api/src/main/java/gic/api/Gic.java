package gic.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One emulated GICv3 of one machine. Every method is thread-safe: vCPU threads access system registers
 * and MMIO, device threads drive wires and MSIs, concurrently. Nothing a guest or a device does makes
 * a method throw; bad input gets the architecture's answer and is counted in {@link #counters()}.
 */
@ProviderType
public interface Gic extends AutoCloseable {

    /** How this GIC raises LPIs from MSIs: {@link GicProvider#LPI_ITS} or {@link GicProvider#LPI_DIRECT}. */
    String lpiMode();

    /** The configuration it was created (or restored) with. */
    GicConfig config();

    /** Its MMIO windows (GICD, GICR, and one per ITS if any), for the host to map. */
    List<MmioRegion> regions();

    /** The CPU interface of CPU {@code index} (0-based). */
    CpuInterface cpu(int index);

    /**
     * Sets the input level of the wire of SPI {@code intid} (32..). A level-sensitive SPI is pending
     * while its line is high; an edge-triggered SPI becomes pending on a rising edge. IDs that are not
     * implemented SPIs are ignored and counted.
     */
    void setSpiLevel(int intid, boolean high);

    /** A pulse (rising then falling edge) on the wire of SPI {@code intid}. */
    default void pulseSpi(int intid) {
        setSpiLevel(intid, true);
        setSpiLevel(intid, false);
    }

    /** Sets the input level of PPI {@code intid} (16..31) of CPU {@code cpu}. */
    void setPpiLevel(int cpu, int intid, boolean high);

    /** A pulse on PPI {@code intid} of CPU {@code cpu}. */
    default void pulsePpi(int cpu, int intid) {
        setPpiLevel(cpu, intid, true);
        setPpiLevel(cpu, intid, false);
    }

    /**
     * A device's MSI: a memory write of {@code size} bytes of {@code data} at {@code address}, carrying
     * the requester's {@code deviceId} (as a bus such as PCIe provides it). The address is an ITS's
     * {@code GITS_TRANSLATER} or, where the provider implements DirectLPI, a redistributor's
     * {@code GICR_SETLPIR}; also {@code GICD_SETSPI_NSR} for message-based SPIs.
     *
     * @return {@code true} if the address is a doorbell of this GIC (whatever the write then did),
     *     {@code false} if it is not, so the host can route it elsewhere
     */
    boolean msi(long address, int size, long data, int deviceId);

    /**
     * An immutable copy of all guest-visible state. Pending LPI state cached by the model is included,
     * and state the architecture keeps in guest memory (ITS tables) is flushed there first. Take it with
     * vCPUs paused for a consistent machine image.
     */
    GicSnapshot snapshot();

    /** Counters by name: guest errors per block, MSIs, commands... Values only grow. */
    Map<String, Long> counters();

    /**
     * The DirectLPI controls of this GIC (doorbells, retargeting, isolation), present where LPIs are
     * raised through {@code GICR_SETLPIR} rather than an ITS.
     */
    default Optional<DirectLpi> directLpi() {
        return Optional.empty();
    }

    /**
     * A human-readable dump of the LPI back end's state for diagnostics (for an ITS: its registers,
     * devices, events, collections and counters). Reads guest memory, takes the back end's locks; not for
     * hot paths.
     */
    default String diagnostics() {
        return "";
    }

    /** Stops this GIC: lowers every IRQ/FIQ line it raised; no thread of the GIC keeps running. */
    @Override
    void close();

    /** Finds the region containing {@code address}, or {@code null}. */
    default MmioRegion regionAt(long address) {
        for (MmioRegion r : regions()) {
            if (r.contains(address)) {
                return r;
            }
        }
        return null;
    }
}
