package gic.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Named, only-growing event counters of one GIC, cheap to bump from any thread. */
public final class Counters {

    private final Map<String, LongAdder> adders = new ConcurrentHashMap<>();
    private final Map<String, PerRedistributor> perRedistributor = new ConcurrentHashMap<>();

    public void increment(String name) {
        adder(name).increment();
    }

    public void add(String name, long n) {
        adder(name).add(n);
    }

    /** The counter, to bump on a hot path without a map lookup. */
    public LongAdder adder(String name) {
        return adders.computeIfAbsent(name, k -> new LongAdder());
    }

    /**
     * A counter for paths that already hold a redistributor's monitor (the MSI path): one slot per
     * redistributor, bumped without an atomic instruction. Shares {@code name} with {@link #adder(String)}
     * if both are used: the snapshot adds them.
     */
    public PerRedistributor perRedistributor(String name, int redistributors) {
        return perRedistributor.computeIfAbsent(name, k -> new PerRedistributor(redistributors));
    }

    /** A sorted copy of every counter. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        adders.forEach((k, v) -> m.put(k, v.sum()));
        perRedistributor.forEach((k, v) -> m.merge(k, v.sum(), Long::sum));
        return m;
    }

    /** See {@link Counters#perRedistributor}. */
    public static final class PerRedistributor {
        private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
        /** Slots 128 bytes apart, so CPUs counting on their own redistributors share no cache line. */
        private static final int STRIDE = 16;
        private final long[] slots;

        private PerRedistributor(int redistributors) {
            slots = new long[redistributors * STRIDE];
        }

        /** Counts one event. Only with the monitor of redistributor {@code index} held. */
        public void increment(int index) {
            int at = index * STRIDE;
            SLOT.setOpaque(slots, at, (long) SLOT.getOpaque(slots, at) + 1);
        }

        long sum() {
            long sum = 0;
            for (int at = 0; at < slots.length; at += STRIDE) {
                sum += (long) SLOT.getOpaque(slots, at);
            }
            return sum;
        }
    }
}
