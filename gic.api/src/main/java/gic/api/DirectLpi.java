package gic.api;

import java.util.Collection;
import java.util.function.LongConsumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What a GIC whose LPIs are raised by DirectLPI (no ITS) offers a host emulator beyond MMIO: the
 * doorbell of each redistributor, the retargeting procedure the architecture leaves to software, and an
 * optional isolation policy. Found with {@link Gic#directLpi()}.
 *
 * <p>Under DirectLPI a device's MSI is a write of the INTID to the target redistributor's
 * {@code GICR_SETLPIR}; the requester's DeviceID plays no part in the architecture.
 */
@ProviderType
public interface DirectLpi {

    /** Guest physical address of CPU {@code cpu}'s {@code GICR_SETLPIR}: the MSI doorbell of LPIs targeting it. */
    long setLpirAddress(int cpu);

    /**
     * Moves LPI {@code intid} from CPU {@code fromCpu}'s redistributor to CPU {@code toCpu}'s, with the
     * device's MSIs arriving concurrently: nothing lost, nothing taken twice. In order:
     * <ol>
     * <li>{@code doorbell} is called with {@code toCpu}'s {@link #setLpirAddress}, so that the device's
     *     later MSIs go to the new redistributor;</li>
     * <li>the LPI's pending state is cleared at {@code fromCpu} ({@code GICR_CLRLPIR}) and, if it was
     *     pending, set at {@code toCpu} ({@code GICR_SETLPIR}), as one step no MSI or acknowledge can
     *     split;</li>
     * <li>both redistributors are synchronised ({@code GICR_SYNCR}).</li>
     * </ol>
     * An MSI the device wrote to the old doorbell before step 1 and that lands after step 2 stays
     * pending at {@code fromCpu} and is taken there, once.
     *
     * @return whether the LPI was pending at {@code fromCpu} and moved
     * @throws IndexOutOfBoundsException if a CPU index is not a CPU of this GIC
     */
    boolean retarget(int intid, int fromCpu, int toCpu, LongConsumer doorbell);

    /**
     * Turns isolation on: an MSI to a {@code GICR_SETLPIR} doorbell is honoured only if one of
     * {@code allowed} names its requester DeviceID and contains its INTID; other MSIs are dropped,
     * counted and logged. Writes by CPUs (MMIO) are not affected. Replaces any earlier policy.
     */
    void isolate(Collection<LpiRange> allowed);

    /** Turns isolation off (the architecture: any requester may set any LPI). The default. */
    void isolationOff();

    /** Whether isolation is on. */
    boolean isolated();
}
