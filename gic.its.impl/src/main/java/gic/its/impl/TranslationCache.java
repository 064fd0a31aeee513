package gic.its.impl;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The translation cache of one ITS: (DeviceID, EventID) → (pINTID, processor number), so that an MSI
 * whose translation is cached sets its LPI pending without the ITS lock and without reading guest
 * memory. Direct-mapped, {@link #capacity()} a power of two (0 = no cache).
 *
 * <h2>Why a hit can be trusted</h2>
 * Entries are immutable except for a volatile {@code dead} flag, and carry the cache generation read
 * <em>before</em> the table walk that produced them. A hit is honoured only if, under the target
 * redistributor's monitor, the entry is {@linkplain #isCurrent current}: not dead and of the current
 * generation. Commands run under the ITS lock and invalidate <em>before</em> they touch pending state
 * (which takes that same monitor). So an MSI racing a command that changes its translation (DISCARD,
 * MOVI...) is ordered wholly before it (its pending bit is then seen and handled by the command) or
 * wholly after it (it sees the entry dead, takes the slow path and blocks on the ITS lock) —
 * the use-after-unmap of CVE-2024-26598 cannot happen. Fills and single-entry invalidations happen under
 * the ITS lock; an entry evicted from its slot is marked dead, so only entries in their slot are live.
 *
 * <h2>Invalidation points (one list, here; see also {@link Its})</h2>
 * <ul>
 *   <li>DISCARD, MOVI, MAPTI, MAPI: that (DeviceID, EventID) entry;</li>
 *   <li>MAPD, MAPC, MOVALL: all entries;</li>
 *   <li>GITS_CTLR.Enabled 1 → 0: all;</li>
 *   <li>any accepted GITS_BASER&lt;n&gt; write: all;</li>
 *   <li>GITS_CBASER write: none (it only moves the command queue);</li>
 *   <li>GICR_CTLR.EnableLPIs 1 → 0 on any redistributor: all, on every ITS;</li>
 *   <li>restore from a snapshot: the cache starts empty.</li>
 * </ul>
 */
public final class TranslationCache {

    /** IMPDEF: at most 2^20 entries per ITS, so host memory stays bounded. */
    public static final int MAX_ENTRIES = 1 << 20;

    /** One cached translation. */
    public static final class Entry {
        final long key;
        final int pintid;
        final int processor;
        final long generation;
        volatile boolean dead;

        Entry(long key, int pintid, int processor, long generation) {
            this.key = key;
            this.pintid = pintid;
            this.processor = processor;
            this.generation = generation;
        }

        public int pintid() {
            return pintid;
        }

        public int processor() {
            return processor;
        }
    }

    private final AtomicReferenceArray<Entry> slots;
    private final int mask;
    private final AtomicLong generation = new AtomicLong();

    /** A cache of {@code requested} entries rounded up to a power of two (at most {@link #MAX_ENTRIES}); 0 = none. */
    public TranslationCache(int requested) {
        if (requested <= 0) {
            slots = null;
            mask = 0;
        } else {
            int n = Integer.highestOneBit(Math.min(requested, MAX_ENTRIES));
            if (n < requested) {
                n <<= 1;
            }
            slots = new AtomicReferenceArray<>(Math.min(n, MAX_ENTRIES));
            mask = slots.length() - 1;
        }
    }

    /** The cache key of ({@code deviceId}, {@code eventId}): DeviceID &lt;&lt; 32 | EventID. */
    public static long key(long deviceId, long eventId) {
        return deviceId << 32 | (eventId & 0xFFFF_FFFFL);
    }

    /** Entries this cache holds at most. */
    public int capacity() {
        return slots == null ? 0 : slots.length();
    }

    /** The entry for {@code key}, live or not, or {@code null}. Lock-free. */
    public Entry lookup(long key) {
        if (slots == null) {
            return null;
        }
        Entry e = slots.get(index(key));
        return e != null && e.key == key ? e : null;
    }

    /** Whether {@code e} may be used: call under the monitor of the redistributor it targets. */
    public boolean isCurrent(Entry e) {
        return !e.dead && e.generation == generation.get();
    }

    /** The generation to pass to {@link #fill}: read it before the table walk. */
    public long generation() {
        return generation.get();
    }

    /** Caches a translation found by a walk that started at {@code walkGeneration}. Under the ITS lock. */
    public void fill(long key, int pintid, int processor, long walkGeneration) {
        if (slots == null) {
            return;
        }
        Entry old = slots.getAndSet(index(key), new Entry(key, pintid, processor, walkGeneration));
        if (old != null) {
            old.dead = true;
        }
    }

    /** Drops the entry of {@code key}. Under the ITS lock, before the caller touches pending state. */
    public void invalidate(long key) {
        if (slots == null) {
            return;
        }
        int i = index(key);
        Entry e = slots.get(i);
        if (e != null && e.key == key) {
            e.dead = true;
            slots.compareAndSet(i, e, null);
        }
    }

    /** Drops every entry (any thread; entries filled from walks that started earlier are stale too). */
    public void invalidateAll() {
        generation.incrementAndGet();
    }

    /** Live entries now (diagnostics). */
    public int liveEntries() {
        int n = 0;
        for (int i = 0; i < capacity(); i++) {
            Entry e = slots.get(i);
            if (e != null && isCurrent(e)) {
                n++;
            }
        }
        return n;
    }

    private int index(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
