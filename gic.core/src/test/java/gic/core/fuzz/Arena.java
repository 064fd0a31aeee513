package gic.core.fuzz;

/**
 * A range of guest RAM handed out in disjoint, aligned pieces from the top down, so the first piece ends
 * flush with the range (at the end of RAM, any overrun of it leaves RAM at once). A benign guest gives
 * every table its own piece: no table can then alias another and turn entries into pointers.
 */
public final class Arena {

    /** Bytes at least between two pieces (the gap guards against a request that overruns a piece). */
    public static final int GAP = 256;

    private final long start;
    private final long end;
    private final RecordingMemory guarded;
    private long top;

    /**
     * An arena over {@code [start, end)}; if {@code guarded} is not null, the gaps between pieces are guarded.
     */
    public Arena(long start, long end, RecordingMemory guarded) {
        this.start = start;
        this.end = end;
        this.guarded = guarded;
        this.top = end;
    }

    public Arena(long start, long end) {
        this(start, end, null);
    }

    /**
     * A piece of {@code bytes} aligned to {@code align} (a power of two), or -1 if it does not fit. Below
     * the first piece of a guarded arena and between the others lie at least {@link #GAP} guarded bytes.
     */
    public long alloc(long bytes, long align) {
        long limit = top == end ? top : top - GAP;
        long a = (limit - bytes) & -align;
        if (bytes <= 0 || a < start || a > limit) {
            return -1;
        }
        if (guarded != null) {
            guarded.guard(a + bytes, top);
        }
        top = a;
        return a;
    }

    /** Forgets every piece (and its guards). */
    public void reset() {
        if (guarded != null) {
            guarded.clearGuards(start, end);
        }
        top = end;
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }
}
