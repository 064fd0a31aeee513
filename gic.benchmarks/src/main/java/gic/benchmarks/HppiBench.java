package gic.benchmarks;

import gic.api.CpuInterface;
import gic.api.IccRegister;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Acknowledging the highest-priority pending interrupt while {@link #lpis} LPIs are enabled and pending
 * at one redistributor, spread over 31 of the 32 priority levels (0x08 to 0xF8). Each operation reads ICC_IAR1_EL1 (the best
 * LPI), writes ICC_EOIR1_EL1, and raises that LPI again through GICR_SETLPIR (DirectLPI doorbell), so
 * the population stays at {@link #lpis}. A model that rescans the pending table grows with it; this one
 * should not.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HppiBench {

    static final int DEVICE = 1;

    @Param({"64", "65536"})
    public int lpis;

    private Machine machine;
    private CpuInterface cpu;
    private long doorbell;

    @Setup
    public void setup() {
        // 65,536 LPIs from 8192 need INTIDs up to 73,727: 17 INTID bits.
        machine = new Machine(Machine.directLpi(), 1, 17);
        for (int i = 0; i < lpis; i++) {
            // priorities 0x08..0xF8 in turn (5 priority bits: 32 levels), Group 1, enabled
            machine.ram.fill(Machine.PROP + i, 1, (i % 31 + 1) << 3 | 0b11);
        }
        machine.bringUp(0);
        cpu = machine.gic.cpu(0);
        doorbell = machine.setLpir(0);
        for (int i = 0; i < lpis; i++) {
            machine.gic.msi(doorbell, 4, Machine.FIRST_LPI + i, DEVICE);
        }
        Machine.check(machine.counter("directlpi.msi.coalesced") == 0, "every LPI became pending");
        Machine.check(acknowledge() == Machine.FIRST_LPI, "the best LPI is the lowest of the best priority");
    }

    @Benchmark
    public long acknowledge() {
        long id = cpu.read(IccRegister.IAR1);
        cpu.write(IccRegister.EOIR1, id);
        machine.gic.msi(doorbell, 4, id, DEVICE);
        return id;
    }
}
