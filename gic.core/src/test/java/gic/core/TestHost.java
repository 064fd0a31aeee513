package gic.core;

import gic.api.GicConfig;
import gic.api.GicHost;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A host for tests: {@link TestMemory} RAM and recorded IRQ/FIQ lines of up to
 * {@link GicConfig#MAX_CPUS} CPUs. Thread-safe.
 *
 * <p>The constructor makes a strict host: any guest error the GIC reports fails the test with an
 * {@link AssertionError} carrying the message (it is also recorded). {@link #lenient} makes a host that
 * only records guest errors, for tests that provoke them on purpose.
 */
public final class TestHost implements GicHost {

    private final TestMemory mem;
    private final boolean strict;
    private final AtomicIntegerArray irq = new AtomicIntegerArray(GicConfig.MAX_CPUS);
    private final AtomicIntegerArray fiq = new AtomicIntegerArray(GicConfig.MAX_CPUS);
    private final AtomicIntegerArray irqRaises = new AtomicIntegerArray(GicConfig.MAX_CPUS);
    private final AtomicIntegerArray fiqRaises = new AtomicIntegerArray(GicConfig.MAX_CPUS);
    private final List<String> guestErrors = new CopyOnWriteArrayList<>();

    /** A strict host: every guest error throws {@link AssertionError}. */
    public TestHost(long ramBase, int ramSize) {
        this(ramBase, ramSize, true);
    }

    private TestHost(long ramBase, int ramSize, boolean strict) {
        this.mem = new TestMemory(ramBase, ramSize);
        this.strict = strict;
    }

    /** A host that records guest errors in {@link #guestErrors()} and lets the model carry on. */
    public static TestHost lenient(long ramBase, int ramSize) {
        return new TestHost(ramBase, ramSize, false);
    }

    public TestMemory mem() {
        return mem;
    }

    @Override
    public TestMemory memory() {
        return mem;
    }

    @Override
    public void setIrq(int cpu, boolean asserted) {
        int old = irq.getAndSet(cpu, asserted ? 1 : 0);
        if (asserted && old == 0) {
            irqRaises.incrementAndGet(cpu);
        }
    }

    @Override
    public void setFiq(int cpu, boolean asserted) {
        int old = fiq.getAndSet(cpu, asserted ? 1 : 0);
        if (asserted && old == 0) {
            fiqRaises.incrementAndGet(cpu);
        }
    }

    @Override
    public void guestError(String block, String message) {
        String text = block + ": " + message;
        guestErrors.add(text);
        if (strict) {
            throw new AssertionError("unexpected guest error in " + text);
        }
    }

    /** Current level of CPU {@code cpu}'s IRQ line. */
    public boolean irq(int cpu) {
        return irq.get(cpu) != 0;
    }

    /** Current level of CPU {@code cpu}'s FIQ line. */
    public boolean fiq(int cpu) {
        return fiq.get(cpu) != 0;
    }

    /** Rising edges seen on CPU {@code cpu}'s IRQ line. */
    public int irqRaises(int cpu) {
        return irqRaises.get(cpu);
    }

    /** Rising edges seen on CPU {@code cpu}'s FIQ line. */
    public int fiqRaises(int cpu) {
        return fiqRaises.get(cpu);
    }

    /** Guest errors reported so far, as {@code "block: message"} (recorded in both modes). */
    public List<String> guestErrors() {
        return List.copyOf(guestErrors);
    }

    /** Whether this host throws on guest errors. */
    public boolean strict() {
        return strict;
    }
}
