package gic.benchmarks;

import gic.api.GicProvider;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A device's MSI through GITS_TRANSLATER that leaves its LPI pending, on an ITS with the translation
 * cache ({@link #translateCached}) and on one without it ({@link #translateWalk}, every MSI reads the
 * DTE, ITE and CTE from guest memory, as QEMU and gem5 do). The device cycles through {@link #EVENTS}
 * events mapped to as many LPIs; after the first lap they are all pending, so each MSI is a translation
 * plus a pending-bit set that coalesces (what the architecture does with a raise of a pending LPI).
 * The cost of making an LPI newly pending and taking it is {@link RoundTripBench}'s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MsiBench {

    static final int DEVICE = 7;
    static final int EVENTS = 16;

    private Machine cached;
    private Machine walk;
    private long cachedDoorbell;
    private long walkDoorbell;
    private int next;

    @Setup
    public void setup() {
        cached = machine(Machine.its());
        walk = machine(Machine.its(0));
        cachedDoorbell = cached.translater;
        walkDoorbell = walk.translater;
        long misses = cached.counter("its0.cache.miss");
        for (int e = 0; e < EVENTS; e++) {
            cached.gic.msi(cachedDoorbell, 4, e, DEVICE);
        }
        Machine.check(cached.counter("its0.cache.miss") == misses, "every cached MSI hits the cache");
        Machine.check(walk.gic.diagnostics().contains("translation cache 0 entries"), "the walk ITS has no cache");
    }

    static Machine machine(GicProvider provider) {
        Machine m = new Machine(provider, 1, 16).bringUp(EVENTS).bringUpIts(16);
        m.mapDevice(DEVICE, EVENTS);
        for (int e = 0; e < EVENTS; e++) {
            m.mapEvent(DEVICE, e, Machine.FIRST_LPI + e, 0);
        }
        for (int e = 0; e < EVENTS; e++) {
            m.gic.msi(m.translater, 4, e, DEVICE);
        }
        Machine.check(m.counter("its0.msi") == EVENTS && m.counter("its0.msi.dropped") == 0, "MSIs translated");
        return m;
    }

    @Benchmark
    public boolean translateCached() {
        return cached.gic.msi(cachedDoorbell, 4, next++ & (EVENTS - 1), DEVICE);
    }

    @Benchmark
    public boolean translateWalk() {
        return walk.gic.msi(walkDoorbell, 4, next++ & (EVENTS - 1), DEVICE);
    }
}
