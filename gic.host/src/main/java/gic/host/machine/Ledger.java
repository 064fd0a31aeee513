package gic.host.machine;

import gic.host.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The interrupt ledger: per interrupt, how often it was raised and taken, and the logical time of its last
 * raise (taken before the source signals) and of its last take. A PPI or SGI is counted per CPU; an SPI or
 * LPI once. Times come from one counter, so "the last raise was followed by a take" is exact.
 *
 * <p>{@link #check} applies the rules of {@link Verdict}: an interrupt taken more often than raised is
 * doubled; one whose last raise was not followed by a take is lost. Raises of a pending interrupt coalesce,
 * so fewer takes than raises is fine.
 */
final class Ledger {

    /** Most problem lines a verdict carries. */
    static final int MAX_PROBLEMS = 40;

    private final int cpus;
    private final int spis;
    private final int lpis;
    private final AtomicLong clock = new AtomicLong();
    private final AtomicLongArray raised;
    private final AtomicLongArray taken;
    private final AtomicLongArray lastRaise;
    private final AtomicLongArray lastTake;
    /** (cpu, INTID) of takes of interrupts no source here raises: CPU << 32 | INTID. */
    private final Set<Long> unexpected = ConcurrentHashMap.newKeySet();
    private final AtomicLong unexpectedTakes = new AtomicLong();
    private final List<String> swapProblems = new ArrayList<>(); // guarded by itself

    /** A ledger of the SGIs/PPIs of {@code cpus} CPUs, {@code spis} SPIs from INTID 32, and {@code lpis} LPIs from 8192. */
    Ledger(int cpus, int spis, int lpis) {
        this.cpus = cpus;
        this.spis = spis;
        this.lpis = lpis;
        int slots = cpus * 32 + spis + lpis;
        raised = new AtomicLongArray(slots);
        taken = new AtomicLongArray(slots);
        lastRaise = new AtomicLongArray(slots);
        lastTake = new AtomicLongArray(slots);
    }

    /** Whether the ledger has an entry for {@code intid} (of CPU {@code cpu} if an SGI or PPI). */
    boolean tracks(int cpu, int intid) {
        return slot(cpu, intid) >= 0;
    }

    /** A source is about to signal {@code intid} ({@code cpu} names the PE of an SGI or PPI; else ignored). */
    void raise(int cpu, int intid) {
        int s = slot(cpu, intid);
        if (s < 0) {
            throw new IllegalArgumentException("no ledger entry for INTID " + intid + " of CPU " + cpu);
        }
        raised.incrementAndGet(s);
        lastRaise.accumulateAndGet(s, clock.incrementAndGet(), Math::max);
    }

    /** CPU {@code cpu} acknowledged {@code intid} (and ran its handler). */
    void take(int cpu, int intid) {
        int s = slot(cpu, intid);
        if (s < 0) {
            unexpected.add((long) cpu << 32 | intid);
            unexpectedTakes.incrementAndGet();
            return;
        }
        taken.incrementAndGet(s);
        lastTake.accumulateAndGet(s, clock.incrementAndGet(), Math::max);
    }

    /**
     * A pending {@code intid} was discarded on purpose (the GIC state it was pending in was replaced by a
     * loaded snapshot): its raises so far count as consumed.
     */
    void retire(int cpu, int intid) {
        int s = slot(cpu, intid);
        if (s >= 0) {
            lastTake.accumulateAndGet(s, clock.incrementAndGet(), Math::max);
        }
    }

    /** A provider swap after which the pending state differed. */
    void swapMismatch(String detail) {
        synchronized (swapProblems) {
            swapProblems.add(detail);
        }
    }

    long swapMismatches() {
        synchronized (swapProblems) {
            return swapProblems.size();
        }
    }

    long raised(int cpu, int intid) {
        int s = slot(cpu, intid);
        return s < 0 ? 0 : raised.get(s);
    }

    long taken(int cpu, int intid) {
        int s = slot(cpu, intid);
        return s < 0 ? 0 : taken.get(s);
    }

    /**
     * The verdict at a quiescent point (no source signalling, no CPU taking). {@code otherProblems} are
     * problems found elsewhere (something left pending, a drain that timed out); any makes the verdict fail.
     */
    Verdict check(List<String> otherProblems) {
        List<String> problems = new ArrayList<>();
        long raisedTotal = 0;
        long takenTotal = 0;
        long lost = 0;
        long doubled = unexpected.size();
        for (int s = 0; s < raised.length(); s++) {
            long r = raised.get(s);
            long t = taken.get(s);
            raisedTotal += r;
            takenTotal += t;
            if (t > r) {
                doubled++;
                add(problems, name(s) + " taken " + t + " times but raised " + r + " times");
            }
            if (r > 0 && lastRaise.get(s) > lastTake.get(s)) {
                lost++;
                add(problems, name(s) + " lost: its last raise was never taken (raised " + r + ", taken " + t + ")");
            }
        }
        takenTotal += unexpectedTakes.get();
        for (long key : unexpected) {
            add(problems, "INTID " + (int) key + " taken on CPU " + (key >>> 32) + " but never raised");
        }
        long mismatches;
        synchronized (swapProblems) {
            mismatches = swapProblems.size();
            swapProblems.forEach(p -> add(problems, p));
        }
        otherProblems.forEach(p -> add(problems, p));
        boolean ok = lost == 0 && doubled == 0 && mismatches == 0 && otherProblems.isEmpty();
        return new Verdict(ok, raisedTotal, takenTotal, lost, doubled, mismatches, problems);
    }

    private static void add(List<String> problems, String line) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(line);
        }
    }

    /** Index of an interrupt: SGIs/PPIs per CPU, then SPIs, then LPIs; -1 if the ledger has none. */
    private int slot(int cpu, int intid) {
        if (intid >= 0 && intid < 32) {
            return cpu >= 0 && cpu < cpus ? cpu * 32 + intid : -1;
        }
        if (intid >= 32 && intid < 32 + spis) {
            return cpus * 32 + intid - 32;
        }
        if (intid >= MachineConfig.FIRST_LPI && intid < MachineConfig.FIRST_LPI + lpis) {
            return cpus * 32 + spis + intid - MachineConfig.FIRST_LPI;
        }
        return -1;
    }

    private String name(int slot) {
        if (slot < cpus * 32) {
            int intid = slot % 32;
            return (intid < 16 ? "SGI " : "PPI ") + intid + " of CPU " + slot / 32;
        }
        int s = slot - cpus * 32;
        return s < spis ? "SPI " + (32 + s) : "LPI " + (MachineConfig.FIRST_LPI + s - spis);
    }
}
