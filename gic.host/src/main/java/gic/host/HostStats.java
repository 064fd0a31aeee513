package gic.host;

import java.util.List;

/**
 * Figures of the reference machine since it started.
 *
 * @param lpiMode        the bound provider's {@code gic.lpi}, or {@code none}
 * @param cpus           vCPU count
 * @param uptimeMillis   time since the machine started
 * @param msis           MSIs the devices wrote
 * @param msisPerSecond  MSIs per second over the last reporting interval
 * @param takenPerCpu    interrupts each vCPU acknowledged (ICC_IAR1_EL1 returning an INTID)
 * @param swaps          provider swaps completed
 * @param pausedMillis   total time the machine spent paused for swaps, snapshots and loads
 */
public record HostStats(String lpiMode, int cpus, long uptimeMillis, long msis, double msisPerSecond,
                        List<Long> takenPerCpu, long swaps, long pausedMillis) {

    public HostStats {
        takenPerCpu = List.copyOf(takenPerCpu);
    }

    /** Interrupts taken by all vCPUs. */
    public long taken() {
        return takenPerCpu.stream().mapToLong(Long::longValue).sum();
    }
}
