package gic.core.fuzz;

import java.util.Map;
import java.util.TreeMap;

/** What one fuzz run did and the largest figures it met, for the report. */
public final class FuzzStats {

    public long ops;
    public long calls;
    public long refusedRequests;
    public long roundTrips;
    public long maxRequestsGuest;
    public long maxBytesGuest;
    public long maxAllocatedGuest;
    public long maxUnits;
    /** The most bytes allocated per ITS command in a call that ran at least 16 commands. */
    public long maxAllocatedPerCommand;
    public long maxRequestsHost;
    public long maxAllocatedHost;
    public long maxRetained;
    /** Calls that allocated more than their bound once (first runs of code paths), tolerated up to three. */
    public long allocationOutliers;
    /** Time spent in each kind of operation (nanoseconds), to see where a run goes. */
    public Map<String, Long> opNanos = new TreeMap<>();
    /** The GIC's counters summed over every instance of the run (restores start them afresh). */
    public Map<String, Long> counters = new TreeMap<>();

    void record(boolean guest, RecordingMemory.Call c, long units, long allocated) {
        if (guest) {
            maxRequestsGuest = Math.max(maxRequestsGuest, c.requests());
            maxBytesGuest = Math.max(maxBytesGuest, c.bytes());
            maxAllocatedGuest = Math.max(maxAllocatedGuest, allocated);
            maxUnits = Math.max(maxUnits, units);
            if (c.commands() >= 16) {
                maxAllocatedPerCommand = Math.max(maxAllocatedPerCommand, allocated / c.commands());
            }
        } else {
            maxRequestsHost = Math.max(maxRequestsHost, c.requests());
            maxAllocatedHost = Math.max(maxAllocatedHost, allocated);
        }
    }

    /** Adds {@code o}'s figures to these. */
    public void add(FuzzStats o) {
        ops += o.ops;
        calls += o.calls;
        refusedRequests += o.refusedRequests;
        roundTrips += o.roundTrips;
        maxRequestsGuest = Math.max(maxRequestsGuest, o.maxRequestsGuest);
        maxBytesGuest = Math.max(maxBytesGuest, o.maxBytesGuest);
        maxAllocatedGuest = Math.max(maxAllocatedGuest, o.maxAllocatedGuest);
        maxUnits = Math.max(maxUnits, o.maxUnits);
        maxAllocatedPerCommand = Math.max(maxAllocatedPerCommand, o.maxAllocatedPerCommand);
        maxRequestsHost = Math.max(maxRequestsHost, o.maxRequestsHost);
        maxAllocatedHost = Math.max(maxAllocatedHost, o.maxAllocatedHost);
        maxRetained = Math.max(maxRetained, o.maxRetained);
        allocationOutliers += o.allocationOutliers;
        o.counters.forEach((k, v) -> counters.merge(k, v, Long::sum));
        o.opNanos.forEach((k, v) -> opNanos.merge(k, v, Long::sum));
    }

    /** Milliseconds per kind of operation. */
    public String timeByOperation() {
        StringBuilder b = new StringBuilder();
        opNanos.forEach((k, v) -> b.append(k).append('=').append(v / 1_000_000).append("ms "));
        return b.toString();
    }

    /** The sum of the counters whose names end with {@code suffix}. */
    public long counter(String suffix) {
        long n = 0;
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            if (e.getKey().endsWith(suffix)) {
                n += e.getValue();
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return String.format("%,d operations, %,d calls, %,d snapshot round trips, %,d refused memory requests;"
                + " per guest call at most %,d requests, %,d bytes, %,d work units, %,d bytes allocated"
                + " (%,d per command); per host call at most %,d requests, %,d bytes allocated;"
                + " GIC held at most %,d bytes; one-off allocation outliers %d; guest errors %,d", ops, calls,
            roundTrips, refusedRequests, maxRequestsGuest, maxBytesGuest, maxUnits, maxAllocatedGuest,
            maxAllocatedPerCommand, maxRequestsHost, maxAllocatedHost, maxRetained, allocationOutliers,
            counters.getOrDefault("guestError", 0L));
    }
}
