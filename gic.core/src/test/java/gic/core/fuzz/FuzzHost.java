package gic.core.fuzz;

import gic.api.GicConfig;
import gic.api.GicHost;

/**
 * The host of a fuzzed GIC: a {@link RecordingMemory} and each CPU's IRQ and FIQ line, with a count of
 * the level changes the GIC made and of the guest errors it reported. It keeps no list that grows with
 * the run (a million guest errors cost nothing here).
 *
 * <p>Meant for one thread (the fuzzer's); the GIC calls it from the thread that calls the GIC.
 */
public final class FuzzHost implements GicHost {

    private final RecordingMemory memory;
    private final boolean[] irq = new boolean[GicConfig.MAX_CPUS];
    private final boolean[] fiq = new boolean[GicConfig.MAX_CPUS];
    private long lineChanges;
    private long guestErrors;
    private String lastGuestError = "";

    public FuzzHost(RecordingMemory memory) {
        this.memory = memory;
    }

    @Override
    public RecordingMemory memory() {
        return memory;
    }

    @Override
    public void setIrq(int cpu, boolean asserted) {
        if (irq[cpu] != asserted) {
            irq[cpu] = asserted;
            lineChanges++;
        }
    }

    @Override
    public void setFiq(int cpu, boolean asserted) {
        if (fiq[cpu] != asserted) {
            fiq[cpu] = asserted;
            lineChanges++;
        }
    }

    @Override
    public void guestError(String block, String message) {
        guestErrors++;
        lastGuestError = block + ": " + message;
    }

    public boolean irq(int cpu) {
        return irq[cpu];
    }

    public boolean fiq(int cpu) {
        return fiq[cpu];
    }

    /** Level changes of any line so far. */
    public long lineChanges() {
        return lineChanges;
    }

    /** Guest errors the GIC reported so far. */
    public long guestErrors() {
        return guestErrors;
    }

    public String lastGuestError() {
        return lastGuestError;
    }
}
