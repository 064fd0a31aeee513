package gic.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Named, only-growing event counters of one GIC, cheap to bump from any thread. */
public final class Counters {

    private final Map<String, LongAdder> adders = new ConcurrentHashMap<>();

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

    /** A sorted copy of every counter. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        adders.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
