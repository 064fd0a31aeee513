package gic.core.lpi;

/**
 * A bitmap with summary levels (one bit per non-empty word of the level below), so that finding the
 * lowest set bit costs one step per level (4 steps for 2^20 bits) instead of a scan that grows with the
 * number of bits. This is what keeps choosing the highest-priority pending LPI independent of the
 * number of LPIs.
 */
final class SummaryBitmap {

    private final long[][] levels;

    SummaryBitmap(int bits) {
        int n = Math.max(1, (bits + 63) >>> 6);
        int depth = 1;
        for (int w = n; w > 1; w = (w + 63) >>> 6) {
            depth++;
        }
        levels = new long[depth][];
        for (int l = 0; l < depth; l++) {
            levels[l] = new long[n];
            n = (n + 63) >>> 6;
        }
    }

    void set(int i) {
        for (long[] level : levels) {
            int w = i >>> 6;
            long old = level[w];
            level[w] = old | (1L << i);
            if (old != 0) {
                return;
            }
            i = w;
        }
    }

    /** Clears bit {@code i}; returns whether it was set. */
    boolean clear(int i) {
        long[] level0 = levels[0];
        int w = i >>> 6;
        long bit = 1L << i;
        if ((level0[w] & bit) == 0) {
            return false;
        }
        level0[w] &= ~bit;
        for (int l = 1; l < levels.length && levels[l - 1][w] == 0; l++) {
            i = w;
            w = i >>> 6;
            levels[l][w] &= ~(1L << i);
        }
        return true;
    }

    boolean isEmpty() {
        return levels[levels.length - 1][0] == 0;
    }

    /** The lowest set bit, or -1. */
    int first() {
        int top = levels.length - 1;
        if (levels[top][0] == 0) {
            return -1;
        }
        int idx = Long.numberOfTrailingZeros(levels[top][0]);
        for (int l = top - 1; l >= 0; l--) {
            idx = (idx << 6) + Long.numberOfTrailingZeros(levels[l][idx]);
        }
        return idx;
    }

    void clearAll() {
        for (long[] level : levels) {
            java.util.Arrays.fill(level, 0);
        }
    }
}
