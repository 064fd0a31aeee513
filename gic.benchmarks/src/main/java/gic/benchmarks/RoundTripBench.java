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

/**
 * One interrupt's life on each provider: a device's MSI makes an LPI pending (and raises the CPU's IRQ
 * line), the CPU reads ICC_IAR1_EL1 (the LPI; the line drops) and writes ICC_EOIR1_EL1. For the ITS the
 * translation is cached; for DirectLPI the MSI goes to the CPU's GICR_SETLPIR doorbell.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoundTripBench {

    static final int DEVICE = 3;
    static final int EVENT = 5;
    static final int LPI = Machine.FIRST_LPI + 40;

    private Machine itsMachine;
    private CpuInterface itsCpu;
    private long translater;
    private Machine directMachine;
    private CpuInterface directCpu;
    private long doorbell;

    @Setup
    public void setup() {
        itsMachine = new Machine(Machine.its(), 1, 16).bringUp(64).bringUpIts(16);
        itsMachine.mapDevice(DEVICE, 8);
        itsMachine.mapEvent(DEVICE, EVENT, LPI, 0);
        itsCpu = itsMachine.gic.cpu(0);
        translater = itsMachine.translater;
        directMachine = new Machine(Machine.directLpi(), 1, 16).bringUp(64);
        directCpu = directMachine.gic.cpu(0);
        doorbell = directMachine.setLpir(0);
        Machine.check(its() == LPI && directLpi() == LPI, "the round trip takes the LPI");
        Machine.check(itsMachine.drain(0) == 0 && directMachine.drain(0) == 0, "nothing else is pending");
        Machine.check(!itsMachine.host.irq(0) && !directMachine.host.irq(0), "IRQ lines low after EOI");
    }

    @Benchmark
    public long its() {
        itsMachine.gic.msi(translater, 4, EVENT, DEVICE);
        long id = itsCpu.read(IccRegister.IAR1);
        itsCpu.write(IccRegister.EOIR1, id);
        return id;
    }

    @Benchmark
    public long directLpi() {
        directMachine.gic.msi(doorbell, 4, LPI, DEVICE);
        long id = directCpu.read(IccRegister.IAR1);
        directCpu.write(IccRegister.EOIR1, id);
        return id;
    }
}
