package gic.benchmarks;

import gic.api.CpuInterface;
import gic.api.IccRegister;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Scaling with threads: each JMH thread plays one device and the CPU its interrupts target (MSI through
 * the ITS, cached translation, then ICC_IAR1_EL1 and ICC_EOIR1_EL1 on its own redistributor), so the
 * threads share nothing but the GIC itself (the ITS and its cache, the distributor). Score: operations
 * per second, all threads together. {@link RunAll} runs it with 1 and with 2 threads in one command
 * (JMH's {@code -t} is fixed per run); {@code -t N} runs it with N only.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ContentionBench {

    static final int CPUS = 4;
    static final int EVENT = 1;

    /** The GIC every thread drives: device c's event raises LPI 8192 + c at CPU c. */
    @State(Scope.Benchmark)
    public static class Shared {
        Machine machine;

        @Setup
        public void setup() {
            machine = new Machine(Machine.its(), CPUS, 16).bringUp(64).bringUpIts(16);
            for (int c = 0; c < CPUS; c++) {
                machine.mapDevice(c, 8);
                machine.mapEvent(c, EVENT, Machine.FIRST_LPI + c, c);
            }
        }
    }

    /** One thread's device and CPU. */
    @State(Scope.Thread)
    public static class Lane {
        long translater;
        int device;
        CpuInterface cpu;
        Machine machine;

        @Setup
        public void setup(Shared shared, ThreadParams threads) {
            machine = shared.machine;
            device = threads.getThreadIndex() % CPUS;
            cpu = machine.gic.cpu(device);
            translater = machine.translater;
        }
    }

    @Benchmark
    public long scale(Lane lane) {
        lane.machine.gic.msi(lane.translater, 4, EVENT, lane.device);
        long id = lane.cpu.read(IccRegister.IAR1);
        lane.cpu.write(IccRegister.EOIR1, id);
        return id;
    }
}
