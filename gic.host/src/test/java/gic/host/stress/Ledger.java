package gic.host.stress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Exact accounting of one LPI's pending bit from what threads observed, with no trust in the GIC's own
 * figures.
 *
 * <p>Every operation is recorded as an interval of ticks of one shared clock, taken just before and just
 * after the call, so the operation took effect at some instant strictly inside its interval:
 * <ul>
 * <li>a <b>raise</b> (a device's MSI), classified by whether the (DeviceID, EventID) mapping was the same
 *     before and after the call: {@link Kind#MAPPED} (mapped throughout: it must make the LPI pending, or
 *     find it pending already), {@link Kind#UNMAPPED} (unmapped throughout: it must have no effect),
 *     {@link Kind#UNSTABLE} (a command changed the mapping meanwhile: it may do either), or
 *     {@link Kind#DISCARDED} (a DISCARD unmapped it meanwhile: either, but if it took effect the DISCARD
 *     removed it);</li>
 * <li>a <b>take</b>: an ICC_IAR1_EL1 read that returned the LPI (it consumes the pending bit);</li>
 * <li>a <b>clear</b>: a DISCARD of the LPI's event (it clears the pending bit, whatever it was).</li>
 * </ul>
 * A segment runs between two quiescent points, where a consistent snapshot tells exactly which LPIs are
 * pending; pending at the start counts as a raise at the start tick, pending at the end as a take at the
 * end tick. Takes and clears are <em>consumers</em>.
 *
 * <p>Two rules follow from the pending bit being a single bit, and each is a necessary condition of any
 * correct execution, so a violation is a real fault, never a false alarm:
 * <ol>
 * <li><b>Nothing taken twice, nothing unmapped taken.</b> Each take needs its own raise (never an
 *     UNMAPPED one) that started before the take ended and that no other consumer could have used up: no
 *     consumer lies wholly between the end of the raise and the start of the take, and for a DISCARDED
 *     raise the take started before its DISCARD ended. Both conditions say "the take started before the
 *     raise's <em>expiry</em>", a tick computed per raise. Takes are matched greedily in order of their
 *     end, each to the eligible raise that expires first; an exchange argument shows this finds a matching
 *     whenever one exists.</li>
 * <li><b>Nothing lost.</b> Each MAPPED raise needs a consumer after it: one that ends after the raise
 *     started, with no other consumer wholly between the end of the raise and its start. Several raises
 *     may share one consumer: they coalesced while the LPI was pending, as the architecture allows, or a
 *     DISCARD removed them.</li>
 * </ol>
 * And a third from the configuration table: no take lies wholly inside a window in which the LPI was
 * disabled (from the end of the INV that disabled it to the start of the write that enables it again).
 *
 * <p>One exception to "a single bit": while the guest moves the LPI's collection to another CPU (MAPC,
 * then MOVALL), an MSI translated between the two commands is pending at the new redistributor while
 * older pending state still waits at the old one, and both CPUs may take it. The architecture allows
 * this (commands are asynchronous; here the ITS's work bound may split the guest's batch between two
 * accesses), and each take still has its own raise. So a consumer that overlaps such a <em>move
 * window</em> of its LPI may have used the other bit: it is not counted as using up earlier raises.
 * Outside move windows there is one bit, so both rules stay necessary conditions.
 */
final class Ledger {

    /** What a raise was aimed at, judged from the mapping's version before and after the MSI. */
    enum Kind {
        /** Mapped throughout: it must make the LPI pending (or find it pending). */
        MAPPED,
        /** Commands changed the mapping meanwhile: it may take effect or not. */
        UNSTABLE,
        /** Unmapped throughout: it must have no effect. */
        UNMAPPED,
        /**
         * Mapped, then unmapped by a DISCARD that overlapped it and was the only change: if it took effect,
         * it did before the DISCARD, which removed it; it can feed only a take that started before the
         * first DISCARD of its LPI that ends after the raise started.
         */
        DISCARDED
    }

    /** Violations kept in full; the rest are only counted. */
    static final int KEPT = 40;

    /** A growable log of intervals written by one thread (not thread-safe; read at quiescent points). */
    static final class Log {
        int size;
        int[] index = new int[4096];
        long[] from = new long[4096];
        long[] to = new long[4096];
        byte[] tag = new byte[4096];

        void add(int lpiIndex, long fromTick, long toTick, int tagValue) {
            if (size == index.length) {
                int n = size * 2;
                index = Arrays.copyOf(index, n);
                from = Arrays.copyOf(from, n);
                to = Arrays.copyOf(to, n);
                tag = Arrays.copyOf(tag, n);
            }
            index[size] = lpiIndex;
            from[size] = fromTick;
            to[size] = toTick;
            tag[size] = (byte) tagValue;
            size++;
        }

        void clear() {
            size = 0;
        }
    }

    /** Windows in which an LPI was disabled in the configuration table; open windows end at {@link Long#MAX_VALUE}. */
    static final class DisabledWindows {
        private final List<List<long[]>> windows = new ArrayList<>();

        DisabledWindows(int lpis) {
            for (int i = 0; i < lpis; i++) {
                windows.add(new ArrayList<>());
            }
        }

        synchronized void open(int lpiIndex, long from) {
            windows.get(lpiIndex).add(new long[] {from, Long.MAX_VALUE});
        }

        synchronized void close(int lpiIndex, long to) {
            List<long[]> w = windows.get(lpiIndex);
            if (!w.isEmpty() && w.get(w.size() - 1)[1] == Long.MAX_VALUE) {
                w.get(w.size() - 1)[1] = to;
            }
        }

        synchronized List<long[]> of(int lpiIndex) {
            return new ArrayList<>(windows.get(lpiIndex));
        }

        /** Forgets windows that closed before {@code tick}: no later segment has a take inside them. */
        synchronized void prune(long tick) {
            for (List<long[]> w : windows) {
                w.removeIf(x -> x[1] < tick);
            }
        }
    }

    /** The figures of one or more segments. */
    static final class Totals {
        long raises;
        final long[] byKind = new long[Kind.values().length];
        long takes;
        long clears;
        long segments;
        /** MAPPED or UNSTABLE raises no take was matched to: coalesced with a pending raise, or discarded. */
        long unmatched;
        long violations;
        final List<String> kept = new ArrayList<>();

        void violation(String text) {
            violations++;
            if (kept.size() < KEPT) {
                kept.add(text);
            }
        }

        @Override
        public String toString() {
            return String.format("raises %d (mapped %d, unmapped %d, racing a DISCARD %d, racing another command %d),"
                    + " takes %d, DISCARDs %d, raises coalesced or discarded %d, segments %d, violations %d", raises,
                byKind[Kind.MAPPED.ordinal()], byKind[Kind.UNMAPPED.ordinal()], byKind[Kind.DISCARDED.ordinal()],
                byKind[Kind.UNSTABLE.ordinal()], takes, clears, unmatched, segments, violations);
        }
    }

    private final String[] names;
    private final DisabledWindows disabled;

    /**
     * @param names    a name per LPI index, for messages
     * @param disabled the LPIs' disabled windows
     */
    Ledger(String[] names, DisabledWindows disabled) {
        this.names = names.clone();
        this.disabled = disabled;
    }

    int lpis() {
        return names.length;
    }

    /** One segment between two quiescent ticks. */
    final class Segment {
        private final long start;
        private final long end;
        private final Ops[] ops = new Ops[names.length];

        Segment(long start, long end) {
            this.start = start;
            this.end = end;
            for (int i = 0; i < ops.length; i++) {
                ops[i] = new Ops();
            }
        }

        void raises(Log log) {
            for (int i = 0; i < log.size; i++) {
                raise(log.index[i], log.from[i], log.to[i], Kind.values()[log.tag[i]]);
            }
        }

        void takes(Log log) {
            for (int i = 0; i < log.size; i++) {
                take(log.index[i], log.from[i], log.to[i], log.tag[i]);
            }
        }

        void clears(Log log) {
            for (int i = 0; i < log.size; i++) {
                clear(log.index[i], log.from[i], log.to[i]);
            }
        }

        void raise(int lpi, long from, long to, Kind kind) {
            ops[lpi].raises.add(lpi, from, to, kind.ordinal());
        }

        void take(int lpi, long from, long to, int cpu) {
            ops[lpi].takes.add(lpi, from, to, cpu);
        }

        void clear(int lpi, long from, long to) {
            ops[lpi].clears.add(lpi, from, to, 0);
        }

        void moves(Log log) {
            for (int i = 0; i < log.size; i++) {
                move(log.index[i], log.from[i], log.to[i]);
            }
        }

        /** The LPI's collection moved to another CPU within [from, to] (see the class comment). */
        void move(int lpi, long from, long to) {
            ops[lpi].moves.add(lpi, from, to, 0);
        }

        /** Whether [from, to] overlaps a move window of the LPI. */
        boolean inMoveWindow(int lpi, long from, long to) {
            Log m = ops[lpi].moves;
            for (int i = 0; i < m.size; i++) {
                if (from < m.to[i] && to > m.from[i]) {
                    return true;
                }
            }
            return false;
        }

        /** The LPI was pending at the segment's start (a consistent snapshot said so). */
        void pendingAtStart(int lpi) {
            ops[lpi].raises.add(lpi, start, start, Kind.MAPPED.ordinal());
        }

        /**
         * The LPI was pending at the segment's end: a take at [end, end + 1], after every operation of the
         * segment (a take's interval is never empty: the expiry rule relies on it).
         */
        void pendingAtEnd(int lpi) {
            ops[lpi].takes.add(lpi, end, end + 1, -1);
        }

        /** Checks every LPI; adds figures and violations to {@code totals}. */
        void check(Totals totals) {
            totals.segments++;
            for (int i = 0; i < ops.length; i++) {
                checkLpi(i, ops[i], totals);
            }
        }

        private void checkLpi(int lpi, Ops o, Totals totals) {
            // figures (the virtual raise and take of the boundaries are not operations)
            for (int i = 0; i < o.raises.size; i++) {
                if (o.raises.from[i] != start || o.raises.to[i] != start) {
                    totals.raises++;
                    totals.byKind[o.raises.tag[i]]++;
                }
            }
            for (int i = 0; i < o.takes.size; i++) {
                if (o.takes.tag[i] >= 0) {
                    totals.takes++;
                }
            }
            totals.clears += o.clears.size;

            // consumers (takes and clears)
            int nt = o.takes.size;
            int nc = nt + o.clears.size;
            long[] ca = new long[nc];
            long[] cb = new long[nc];
            for (int i = 0; i < nt; i++) {
                ca[i] = o.takes.from[i];
                cb[i] = o.takes.to[i];
            }
            for (int i = 0; i < o.clears.size; i++) {
                ca[nt + i] = o.clears.from[i];
                cb[nt + i] = o.clears.to[i];
            }
            // by start, with the suffix minimum of the ends: alpha(e) = the earliest end of a consumer that
            // starts after tick e. A raise ending at e is used up by then: a consumer starting after alpha(e)
            // has one wholly between. Consumers in a move window do not count here.
            Integer[] byStart = sortedBy(ca, nc);
            long[] sortedA = new long[nc];
            long[] suffixMinB = new long[nc + 1];
            suffixMinB[nc] = Long.MAX_VALUE;
            for (int k = nc - 1; k >= 0; k--) {
                int c = byStart[k];
                sortedA[k] = ca[c];
                boolean killer = o.moves.size == 0 || !inMoveWindow(lpi, ca[c], cb[c]);
                suffixMinB[k] = Math.min(suffixMinB[k + 1], killer ? cb[c] : Long.MAX_VALUE);
            }
            long[] clearEnds = Arrays.copyOf(o.clears.to, o.clears.size);
            Arrays.sort(clearEnds);
            int nr = o.raises.size;
            long[] expiry = new long[nr];
            for (int r = 0; r < nr; r++) {
                expiry[r] = suffixMinB[lastBelow(sortedA, o.raises.to[r] + 1) + 1];
                if (o.raises.tag[r] == Kind.DISCARDED.ordinal()) {
                    int k = lastBelow(clearEnds, o.raises.from[r] + 1) + 1; // the first DISCARD ending after the start
                    if (k < clearEnds.length) {
                        expiry[r] = Math.min(expiry[r], clearEnds[k]);
                    }
                }
            }

            // rule 1: takes in order of end, each to the eligible raise that expires first
            Integer[] byEnd = sortedBy(cb, nc);
            Integer[] raisesByStart = sortedBy(o.raises.from, nr);
            TreeSet<long[]> open = new TreeSet<>((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
            int next = 0;
            int eligible = 0;
            int matched = 0;
            for (int k = 0; k < nc; k++) {
                int c = byEnd[k];
                if (c >= nt) {
                    continue; // a clear needs no raise
                }
                while (next < nr && o.raises.from[raisesByStart[next]] < cb[c]) {
                    int r = raisesByStart[next++];
                    if (o.raises.tag[r] != Kind.UNMAPPED.ordinal()) {
                        open.add(new long[] {expiry[r], r});
                    }
                }
                long[] used = open.ceiling(new long[] {ca[c] + 1, Long.MIN_VALUE});
                if (used == null) {
                    totals.violation(String.format("%s: %s [%d, %d] has no raise of its own (taken twice, or taken"
                        + " while unmapped) in segment [%d, %d]", names[lpi], o.takes.tag[c] < 0
                        ? "pending at the segment's end" : "take on CPU " + o.takes.tag[c], ca[c], cb[c], start, end)
                        + around(o, ca[c]));
                } else {
                    open.remove(used);
                    matched++;
                }
            }
            for (int r = 0; r < nr; r++) {
                if (o.raises.tag[r] != Kind.UNMAPPED.ordinal()) {
                    eligible++;
                }
            }
            // over a run the boundaries cancel: a segment's pending end is the next one's pending start
            totals.unmatched += eligible - matched;

            // rule 2: every MAPPED raise has a consumer that ends after the raise started and starts
            // before the raise's expiry (sorted by end: prefix minimum of the starts from the end)
            long[] sortedB = new long[nc];
            long[] suffixMinA = new long[nc + 1];
            suffixMinA[nc] = Long.MAX_VALUE;
            for (int k = nc - 1; k >= 0; k--) {
                sortedB[k] = cb[byEnd[k]];
                suffixMinA[k] = Math.min(suffixMinA[k + 1], ca[byEnd[k]]);
            }
            for (int r = 0; r < nr; r++) {
                if (o.raises.tag[r] != Kind.MAPPED.ordinal()) {
                    continue;
                }
                int k = lastBelow(sortedB, o.raises.from[r] + 1) + 1; // the first consumer ending after the start
                if (suffixMinA[k] >= expiry[r]) {
                    totals.violation(String.format("%s: %s [%d, %d] was never taken nor discarded (lost) in segment"
                        + " [%d, %d]", names[lpi], o.raises.from[r] == start && o.raises.to[r] == start
                        ? "pending state at the segment's start" : "mapped raise", o.raises.from[r], o.raises.to[r],
                        start, end) + around(o, o.raises.from[r]));
                }
            }

            // rule 3: no take inside a disabled window
            if (disabled != null) {
                for (long[] w : disabled.of(lpi)) {
                    for (int i = 0; i < nt; i++) {
                        if (o.takes.tag[i] >= 0 && o.takes.from[i] > w[0] && o.takes.to[i] < w[1]) {
                            totals.violation(String.format("%s: take on CPU %d [%d, %d] while it was disabled [%d, %s]",
                                names[lpi], o.takes.tag[i], o.takes.from[i], o.takes.to[i], w[0],
                                w[1] == Long.MAX_VALUE ? "..." : Long.toString(w[1])));
                        }
                    }
                }
            }
        }
    }

    /** The LPI's operations near tick {@code t}, for a violation's message (only the first ones are kept). */
    private static String around(Ops o, long t) {
        StringBuilder b = new StringBuilder("; nearby:");
        String[] kinds = {"raise", "take", "clear"};
        Log[] logs = {o.raises, o.takes, o.clears};
        List<long[]> near = new ArrayList<>();
        for (int l = 0; l < logs.length; l++) {
            for (int i = 0; i < logs[l].size; i++) {
                if (Math.abs(logs[l].from[i] - t) < 400) {
                    near.add(new long[] {logs[l].from[i], logs[l].to[i], l, logs[l].tag[i]});
                }
            }
        }
        near.sort((x, y) -> Long.compare(x[0], y[0]));
        for (long[] n : near.subList(0, Math.min(near.size(), 24))) {
            b.append(' ').append(kinds[(int) n[2]]).append(n[2] == 0 ? "/" + Kind.values()[(int) n[3]]
                : n[2] == 1 ? "/cpu" + n[3] : "").append(" [").append(n[0]).append(',').append(n[1]).append(']');
        }
        return b.toString();
    }

    /** Intervals of one LPI (index unused). */
    private static final class Ops {
        final Log raises = new Log();
        final Log takes = new Log();
        final Log clears = new Log();
        final Log moves = new Log();
    }

    private static Integer[] sortedBy(long[] key, int n) {
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (x, y) -> Long.compare(key[x], key[y]));
        return idx;
    }

    /** The last index of ascending {@code sorted} whose value is below {@code bound}, or -1. */
    private static int lastBelow(long[] sorted, long bound) {
        int lo = 0;
        int hi = sorted.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < bound) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
