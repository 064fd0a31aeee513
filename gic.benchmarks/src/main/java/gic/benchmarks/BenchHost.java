package gic.benchmarks;

import gic.api.GicHost;
import gic.api.GuestMemory;

/**
 * The host side of a benchmark machine: guest RAM, and IRQ/FIQ lines that cost one array store each
 * (a real vCPU would set a flag and kick its thread). Guest errors fail the setup loudly, since a
 * benchmark that runs into them measures the error path.
 */
final class BenchHost implements GicHost {

    private final GuestRam ram;
    /** Bytes between two CPUs' lines: two cache lines, so CPUs driven by different threads share none. */
    private static final int STRIDE = 128;
    /** Each CPU's IRQ line at {@code (cpu + 1) * STRIDE}, written only by the thread that drives that CPU. */
    private final boolean[] irq;

    BenchHost(GuestRam ram, int cpus) {
        this.ram = ram;
        this.irq = new boolean[(cpus + 2) * STRIDE];
    }

    @Override
    public GuestMemory memory() {
        return ram;
    }

    @Override
    public void setIrq(int cpu, boolean asserted) {
        irq[(cpu + 1) * STRIDE] = asserted;
    }

    /** The level of CPU {@code cpu}'s IRQ line. */
    boolean irq(int cpu) {
        return irq[(cpu + 1) * STRIDE];
    }

    @Override
    public void setFiq(int cpu, boolean asserted) {
    }

    @Override
    public void guestError(String block, String message) {
        throw new IllegalStateException("guest error in " + block + ": " + message);
    }
}
