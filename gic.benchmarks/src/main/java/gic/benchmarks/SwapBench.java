package gic.benchmarks;

import gic.api.GicProvider;
import gic.api.GicSnapshot;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A live swap of the LPI back end: snapshot the running GIC and restore the snapshot into the other
 * provider (ITS to DirectLPI, then back, in turn), on a machine of {@link #CPUS} CPUs with
 * {@link #MAPPED} LPIs mapped through the ITS (a device per CPU, its events spread evenly) and every
 * other one pending. The old GIC is closed, as a host does after a swap. Score: microseconds per swap.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SwapBench {

    static final int CPUS = 8;
    static final int MAPPED = 8192;
    static final int PER_CPU = MAPPED / CPUS;

    private final GicProvider itsProvider = Machine.its();
    private final GicProvider directProvider = Machine.directLpi();
    private Machine current;
    private GicProvider other;

    @Setup
    public void setup() {
        Machine m = new Machine(itsProvider, CPUS, 16).bringUp(MAPPED).bringUpIts(256);
        for (int c = 0; c < CPUS; c++) {
            m.mapDevice(c, PER_CPU);
            long[][] batch = new long[PER_CPU + 1][];
            for (int e = 0; e < PER_CPU; e++) {
                batch[e] = Machine.mapti(c, e, Machine.FIRST_LPI + c * PER_CPU + e, c);
            }
            batch[PER_CPU] = Machine.sync(c);
            m.post(batch);
        }
        current = m;
        other = directProvider;
        raiseHalf();
        // Two swaps bring the machine back to an ITS with everything where it was.
        swap();
        swap();
        int taken = 0;
        for (int c = 0; c < CPUS; c++) {
            taken += current.drain(c);
        }
        Machine.check(taken == MAPPED / 2, "pending LPIs survive the swaps (" + taken + ")");
        raiseHalf();
    }

    /** Every other mapped event's MSI, through the ITS. */
    private void raiseHalf() {
        for (int c = 0; c < CPUS; c++) {
            for (int e = 0; e < PER_CPU; e += 2) {
                current.gic.msi(current.translater, 4, e, c);
            }
        }
    }

    @Benchmark
    public Object swap() {
        GicSnapshot s = current.gic.snapshot();
        Machine next = new Machine(other, s, current);
        current.gic.close();
        other = other == directProvider ? itsProvider : directProvider;
        current = next;
        return next;
    }
}
