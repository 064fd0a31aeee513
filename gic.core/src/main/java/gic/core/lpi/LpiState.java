package gic.core.lpi;

import gic.api.GuestMemory;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * The LPIs of one redistributor while its GICR_CTLR.EnableLPIs is 1: the cached configuration (one
 * byte per LPI, read from the guest's property table), the pending bits (a shadow of the guest's pending
 * table, written back when LPIs are disabled), and an index of pending, enabled LPIs by priority.
 *
 * <p>Not thread-safe: the owning redistributor calls it under its lock.
 *
 * <p>The index holds one {@link SummaryBitmap} per implemented priority level that has ever been used,
 * and a 64-bit mask of non-empty levels: the best pending LPI is found in a constant number of steps
 * whatever the number of LPIs, and set, clear and acknowledge are equally cheap.
 */
public final class LpiState {

    /** The first LPI INTID. */
    public static final int FIRST = 8192;
    /** Config byte: priority bits [7:2]. */
    private static final int PRIORITY = 0xFC;
    /** Config byte: enable bit [0]. */
    private static final int ENABLE = 0x01;
    /** Granule in which tables are read from guest memory. */
    private static final int PAGE = 4096;

    private final int capacity;
    private final int priorityMask;
    private final byte[] config;
    private final long[] pending;
    private final SummaryBitmap[] ready = new SummaryBitmap[64];
    private long readyLevels;
    private int limit = FIRST;
    private int pendingCount;

    /**
     * @param idBits       the GIC's INTID bits: LPIs are 8192 .. 2^idBits - 1
     * @param priorityBits implemented priority bits
     */
    public LpiState(int idBits, int priorityBits) {
        capacity = (1 << idBits) - FIRST;
        priorityMask = (0xFF << (8 - priorityBits)) & PRIORITY;
        config = new byte[capacity];
        pending = new long[(capacity + 63) >>> 6];
    }

    /** One past the highest LPI INTID accepted now (8192 when LPIs are off or the range is empty). */
    public int limit() {
        return limit;
    }

    /** Whether {@code intid} is an LPI in the current range. */
    public boolean inRange(int intid) {
        return intid >= FIRST && intid < limit;
    }

    /**
     * Starts LPI processing (GICR_CTLR.EnableLPIs 0 to 1) with tables in guest memory.
     *
     * @param limitIntid   one past the highest LPI (from GICR_PROPBASER.IDbits), at most the capacity
     * @param propAddress  the property table
     * @param pendAddress  the pending table
     * @param tableIsZero  GICR_PENDBASER.PTZ: skip reading the pending table
     * @return {@code null}, or what went wrong reading guest memory (the LPIs then read as disabled / not pending)
     */
    public String enable(int limitIntid, long propAddress, long pendAddress, boolean tableIsZero, GuestMemory mem) {
        clearAll();
        limit = Math.min(limitIntid, FIRST + capacity);
        if (limit <= FIRST) {
            limit = FIRST;
            return null;
        }
        int n = limit - FIRST;
        String error = readPaged(mem, propAddress, config, n) ? null
            : "LPI property table at 0x" + Long.toHexString(propAddress) + " is partly outside RAM";
        if (!tableIsZero) {
            byte[] bits = new byte[n / 8];
            // IHI 0069 5.1: the first 1 KiB of the pending table (INTIDs 0..8191) is IMPLEMENTATION DEFINED.
            if (!readPaged(mem, pendAddress + FIRST / 8, bits, bits.length) && error == null) {
                error = "LPI pending table at 0x" + Long.toHexString(pendAddress) + " is partly outside RAM";
            }
            for (int i = 0; i < bits.length; i++) {
                for (int b = 0; b < 8; b++) {
                    if ((bits[i] & (1 << b)) != 0) {
                        set(FIRST + i * 8 + b);
                    }
                }
            }
        }
        return error;
    }

    /**
     * Stops LPI processing (EnableLPIs 1 to 0): writes every pending bit of the range back to the guest's
     * pending table and forgets the cached state.
     *
     * @return {@code null}, or the error if the table is outside RAM (the pending state is then lost)
     */
    public String disable(long pendAddress, GuestMemory mem) {
        String error = writeBack(pendAddress, mem) ? null
            : "LPI pending table at 0x" + Long.toHexString(pendAddress) + " is partly outside RAM";
        clearAll();
        limit = FIRST;
        return error;
    }

    /** Writes the pending bits to the guest's table without stopping (for a snapshot). */
    public boolean writeBack(long pendAddress, GuestMemory mem) {
        int n = (limit - FIRST) / 8;
        byte[] bits = pendingBytes(n);
        boolean ok = true;
        for (int off = 0; off < n; ) {
            long address = pendAddress + FIRST / 8 + off;
            int len = (int) Math.min(n - off, PAGE - (address & (PAGE - 1)));
            ok &= mem.write(address, bits, off, len);
            off += len;
        }
        return ok;
    }

    private byte[] pendingBytes(int bytes) {
        byte[] bits = new byte[bytes];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (byte) (pending[i >>> 3] >>> (8 * (i & 7)));
        }
        return bits;
    }

    /**
     * Reads {@code n} bytes of a table page by page (4 KiB), so a table partly outside RAM still yields
     * its good pages; the bytes of a page outside RAM read as zero.
     *
     * @return whether every page could be read
     */
    private static boolean readPaged(GuestMemory mem, long address, byte[] dst, int n) {
        boolean ok = true;
        for (int off = 0; off < n; ) {
            int len = (int) Math.min(n - off, PAGE - ((address + off) & (PAGE - 1)));
            if (!mem.read(address + off, dst, off, len)) {
                Arrays.fill(dst, off, off + len, (byte) 0);
                ok = false;
            }
            off += len;
        }
        return ok;
    }

    /** Makes {@code intid} pending; returns {@code false} if it already was (the raises coalesce). */
    public boolean set(int intid) {
        int i = intid - FIRST;
        long bit = 1L << i;
        if ((pending[i >>> 6] & bit) != 0) {
            return false;
        }
        pending[i >>> 6] |= bit;
        pendingCount++;
        index(i);
        return true;
    }

    /** Clears {@code intid}'s pending state; returns whether it was pending. */
    public boolean clear(int intid) {
        int i = intid - FIRST;
        long bit = 1L << i;
        if ((pending[i >>> 6] & bit) == 0) {
            return false;
        }
        pending[i >>> 6] &= ~bit;
        pendingCount--;
        unindex(i);
        return true;
    }

    public boolean isPending(int intid) {
        int i = intid - FIRST;
        return i >= 0 && i < capacity && (pending[i >>> 6] & (1L << i)) != 0;
    }

    /** The cached configuration byte of {@code intid}. */
    public int config(int intid) {
        return config[intid - FIRST] & 0xFF;
    }

    /**
     * Re-reads one LPI's configuration byte (INV, GICR_INVLPIR) and re-evaluates it if pending.
     *
     * @return whether the byte could be read
     */
    public boolean invalidate(int intid, long propAddress, GuestMemory mem) {
        int i = intid - FIRST;
        boolean pend = (pending[i >>> 6] & (1L << i)) != 0;
        if (pend) {
            unindex(i); // while config[i] still names the level it is indexed at
        }
        OptionalLong b = mem.load(propAddress + i, 1);
        config[i] = (byte) b.orElse(0);
        if (pend) {
            index(i);
        }
        return b.isPresent();
    }

    /** Re-reads the whole property table (INVALL, GICR_INVALLR) and rebuilds the index. */
    public boolean invalidateAll(long propAddress, GuestMemory mem) {
        boolean ok = readPaged(mem, propAddress, config, limit - FIRST);
        rebuildIndex();
        return ok;
    }

    private void rebuildIndex() {
        for (SummaryBitmap s : ready) {
            if (s != null) {
                s.clearAll();
            }
        }
        readyLevels = 0;
        for (int w = 0; w < pending.length; w++) {
            for (long bits = pending[w]; bits != 0; bits &= bits - 1) {
                index(w * 64 + Long.numberOfTrailingZeros(bits));
            }
        }
    }

    private void index(int i) {
        int c = config[i];
        if ((c & ENABLE) == 0) {
            return;
        }
        int level = (c & priorityMask) >>> 2;
        SummaryBitmap s = ready[level];
        if (s == null) {
            s = ready[level] = new SummaryBitmap(capacity);
        }
        s.set(i);
        readyLevels |= 1L << level;
    }

    private void unindex(int i) {
        // Normally the LPI sits at the level of its cached configuration byte (index() put it there, and
        // invalidate() takes it out before that byte changes): one step.
        int c = config[i];
        if ((c & ENABLE) != 0) {
            int level = (c & priorityMask) >>> 2;
            SummaryBitmap s = ready[level];
            if (s != null && s.clear(i)) {
                if (s.isEmpty()) {
                    readyLevels &= ~(1L << level);
                }
                return;
            }
        }
        // Otherwise look in the (few) non-empty levels.
        for (long levels = readyLevels; levels != 0; levels &= levels - 1) {
            int level = Long.numberOfTrailingZeros(levels);
            if (ready[level].clear(i)) {
                if (ready[level].isEmpty()) {
                    readyLevels &= ~(1L << level);
                }
                return;
            }
        }
    }

    /**
     * LPI {@code intid} as a candidate in the form of {@link #best()} ({@code priority << 32 | intid}), or -1
     * if its cached configuration has it disabled (then it is not indexed and cannot be the best).
     */
    public long candidate(int intid) {
        int c = config[intid - FIRST];
        return (c & ENABLE) == 0 ? -1 : (long) (c & priorityMask) << 32 | intid;
    }

    /** The best pending enabled LPI as {@code priority << 32 | intid}, or -1 if none. */
    public long best() {
        if (readyLevels == 0) {
            return -1;
        }
        int level = Long.numberOfTrailingZeros(readyLevels);
        return (long) (level << 2) << 32 | (FIRST + ready[level].first());
    }

    /**
     * Moves every pending LPI that {@code to} can take (an INTID below its limit) from this state to
     * {@code to}, word by word (MOVALL); returns how many left this state. Raises already pending at
     * {@code to} coalesce. This state's index is rebuilt; {@code to}'s is not: the caller follows with
     * {@code to.invalidateAll}, which re-reads its configuration and rebuilds it (once).
     */
    public int movePendingTo(LpiState to) {
        int targetBits = to.limit - FIRST;
        int moved = 0;
        for (int w = 0; w < Math.min(pending.length, to.pending.length) && (w << 6) < targetBits; w++) {
            long bits = pending[w];
            if (bits == 0) {
                continue;
            }
            int room = targetBits - (w << 6);
            if (room < 64) {
                bits &= (1L << room) - 1;
            }
            pending[w] &= ~bits;
            moved += Long.bitCount(bits);
            to.pendingCount += Long.bitCount(bits & ~to.pending[w]);
            to.pending[w] |= bits;
        }
        pendingCount -= moved;
        rebuildIndex();
        return moved;
    }

    public int pendingCount() {
        return pendingCount;
    }

    /** The pending LPIs, ascending. */
    public long[] pendingIntids() {
        long[] out = new long[pendingCount];
        int k = 0;
        for (int w = 0; w < pending.length; w++) {
            for (long bits = pending[w]; bits != 0; bits &= bits - 1) {
                out[k++] = FIRST + w * 64L + Long.numberOfTrailingZeros(bits);
            }
        }
        return out;
    }

    private void clearAll() {
        Arrays.fill(pending, 0);
        pendingCount = 0;
        for (SummaryBitmap s : ready) {
            if (s != null) {
                s.clearAll();
            }
        }
        readyLevels = 0;
    }
}
