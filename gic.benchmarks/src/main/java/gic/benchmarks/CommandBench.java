package gic.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The ITS command queue: MAPTI, INV, SYNC in turn (the sequence Linux issues to map an event), over
 * {@link #EVENTS} events of one device. The queue (1 MiB, 32,768 slots) is filled with the mix once;
 * each invocation advances GITS_CWRITER by {@link #BATCH} commands with one 64-bit write, and the ITS
 * runs them before the write returns. Score: commands per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CommandBench {

    static final int DEVICE = 2;
    static final int EVENTS = 256;
    static final int BATCH = 96;
    static final int QUEUE_PAGES = 256;

    private Machine machine;
    private long cwriter;
    private int queueBytes;

    @Setup
    public void setup() {
        machine = new Machine(Machine.its(), 2, 16).bringUp(EVENTS).bringUpIts(QUEUE_PAGES);
        machine.mapDevice(DEVICE, EVENTS);
        queueBytes = machine.queueBytes;
        cwriter = machine.itsRead(Machine.GITS_CWRITER, 8);
        // Every slot, from the current one round the whole ring, holds the mix.
        for (int k = 0; k < queueBytes / 32; k++) {
            int event = (k / 3) % EVENTS;
            long[] command = switch (k % 3) {
                case 0 -> Machine.mapti(DEVICE, event, Machine.FIRST_LPI + event, event & 1);
                case 1 -> Machine.inv(DEVICE, event);
                default -> Machine.sync(event & 1);
            };
            machine.place((cwriter + 32L * k) % queueBytes, command);
        }
        long before = machine.counter("its0.command");
        mix();
        Machine.check(machine.itsRead(Machine.GITS_CREADR, 8) == cwriter, "the ITS ran the batch");
        Machine.check(machine.counter("its0.command") - before == BATCH, "a batch is " + BATCH + " commands");
        Machine.check(machine.counter("its0.commandError") == 0, "no command error");
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long mix() {
        cwriter = (cwriter + 32L * BATCH) % queueBytes;
        machine.itsWrite(Machine.GITS_CWRITER, 8, cwriter);
        return cwriter;
    }
}
