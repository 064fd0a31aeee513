package gic.core.lpi;

import java.util.Arrays;

/**
 * A bitmap with summary levels (one bit per non-empty word of the level below), so that finding the
 * lowest set bit costs one step per level (4 steps for 2^20 bits) instead of a scan that grows with the
 * number of bits. This is what keeps choosing the highest-priority pending LPI independent of the
 * number of LPIs.
 *
 * <p>All levels live in one array, level 0 first and the single-word top level last, so that a step
 * from one level to the next is an index computation rather than another array load.
 */
final class SummaryBitmap {

    /**
     * Words this far from either end of {@link #words} are never used: another redistributor's bitmap may be
     * allocated right next to this one, and its CPU must not write to a cache line (or the adjacent line
     * hardware prefetches with it) that this CPU's busiest words, the top levels at the end, sit on.
     */
    private static final int PAD = 16;

    /** Every level's words: level {@code l} starts at {@code start[l]}; the top level is the last used word. */
    private final long[] words;
    private final int[] start;
    private final int top;

    SummaryBitmap(int bits) {
        int n = Math.max(1, (bits + 63) >>> 6);
        int depth = 1;
        for (int w = n; w > 1; w = (w + 63) >>> 6) {
            depth++;
        }
        start = new int[depth];
        int total = PAD;
        for (int l = 0; l < depth; l++) {
            start[l] = total;
            total += n;
            n = (n + 63) >>> 6;
        }
        words = new long[total + PAD];
        top = total - 1;
    }

    void set(int i) {
        for (int l = 0; l < start.length; l++) {
            int w = i >>> 6;
            int at = start[l] + w;
            long old = words[at];
            words[at] = old | (1L << i);
            if (old != 0) {
                return;
            }
            i = w;
        }
    }

    /** Clears bit {@code i}; returns whether it was set. */
    boolean clear(int i) {
        int w = i >>> 6;
        long bit = 1L << i;
        long left = words[PAD + w];
        if ((left & bit) == 0) {
            return false;
        }
        left &= ~bit;
        words[PAD + w] = left;
        for (int l = 1; left == 0 && l < start.length; l++) { // level 0 starts at PAD
            i = w;
            w = i >>> 6;
            int at = start[l] + w;
            left = words[at] & ~(1L << i);
            words[at] = left;
        }
        return true;
    }

    boolean isEmpty() {
        return words[top] == 0;
    }

    /** The lowest set bit, or -1. */
    int first() {
        long t = words[top];
        if (t == 0) {
            return -1;
        }
        int idx = Long.numberOfTrailingZeros(t);
        for (int l = start.length - 2; l >= 0; l--) {
            idx = (idx << 6) + Long.numberOfTrailingZeros(words[start[l] + idx]);
        }
        return idx;
    }

    void clearAll() {
        Arrays.fill(words, 0);
    }
}
