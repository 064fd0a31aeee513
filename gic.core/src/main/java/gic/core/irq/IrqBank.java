package gic.core.irq;

import gic.api.GicSnapshot.IrqBankState;
import gic.api.Longs;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The state of a bank of SGIs, PPIs or SPIs: group, enable, pending latch, active, input level, edge
 * configuration and priority, one bit (or byte) per interrupt, in 32-bit words as the registers show
 * them. Bits are changed atomically, so device threads, vCPU threads and MMIO can touch one bank without
 * a common lock; whoever changes a bit then asks the CPUs concerned to re-evaluate.
 *
 * <p>An interrupt is pending when its latch is set, or when it is level-sensitive and its line is high
 * (IHI 0069 pending semantics as QEMU models them: {@code latch | (level & ~edge)}).
 */
public final class IrqBank {

    private final int firstIntid;
    private final int[] implemented;
    private final AtomicIntegerArray group;
    private final AtomicIntegerArray enabled;
    private final AtomicIntegerArray latch;
    private final AtomicIntegerArray active;
    private final AtomicIntegerArray level;
    private final AtomicIntegerArray edge;
    private final byte[] priority;
    private final int priorityMask;

    /**
     * @param firstIntid   INTID of bit 0 of word 0
     * @param count        interrupts in the bank (a multiple of 32)
     * @param lastIntid    the highest implemented INTID; bits above are RAZ/WI
     * @param priorityBits implemented priority bits (upper bits of the byte)
     */
    public IrqBank(int firstIntid, int count, int lastIntid, int priorityBits) {
        this.firstIntid = firstIntid;
        int words = count / 32;
        implemented = new int[words];
        for (int i = 0; i < count; i++) {
            if (firstIntid + i <= lastIntid) {
                implemented[i / 32] |= 1 << (i % 32);
            }
        }
        group = new AtomicIntegerArray(words);
        enabled = new AtomicIntegerArray(words);
        latch = new AtomicIntegerArray(words);
        active = new AtomicIntegerArray(words);
        level = new AtomicIntegerArray(words);
        edge = new AtomicIntegerArray(words);
        priority = new byte[count];
        priorityMask = (0xFF << (8 - priorityBits)) & 0xFF;
    }

    /** The bit registers of a bank, by the name the architecture gives their set/clear pairs. */
    public enum Bits { GROUP, ENABLED, PENDING, ACTIVE, LEVEL, EDGE }

    private AtomicIntegerArray array(Bits b) {
        return switch (b) {
            case GROUP -> group;
            case ENABLED -> enabled;
            case PENDING -> latch;
            case ACTIVE -> active;
            case LEVEL -> level;
            case EDGE -> edge;
        };
    }

    public int firstIntid() {
        return firstIntid;
    }

    public int words() {
        return implemented.length;
    }

    /** Whether {@code intid} is an implemented interrupt of this bank. */
    public boolean implemented(int intid) {
        int i = intid - firstIntid;
        return i >= 0 && i < implemented.length * 32 && (implemented[i >>> 5] & (1 << i)) != 0;
    }

    /** Raw word {@code w} of a bit register; for {@link Bits#PENDING} this is the latch only. */
    public int word(Bits b, int w) {
        return array(b).get(w);
    }

    /** The pending state as software reads it (ISPENDR): latch, or line high for level-sensitive. */
    public int pendingWord(int w) {
        return latch.get(w) | (level.get(w) & ~edge.get(w));
    }

    /** Interrupts of word {@code w} that could be forwarded: pending, enabled and not active. */
    public int candidates(int w) {
        return pendingWord(w) & enabled.get(w) & ~active.get(w);
    }

    /** Sets the bits of {@code mask} (limited to implemented ones) in word {@code w}; returns the old word. */
    public int set(Bits b, int w, int mask) {
        int m = mask & implemented[w];
        return m == 0 ? array(b).get(w) : array(b).getAndUpdate(w, v -> v | m);
    }

    /** Clears the bits of {@code mask} in word {@code w}; returns the old word. */
    public int clear(Bits b, int w, int mask) {
        int m = mask & implemented[w];
        return m == 0 ? array(b).get(w) : array(b).getAndUpdate(w, v -> v & ~m);
    }

    /** Replaces the bits of {@code mask} in word {@code w} by those of {@code value}. */
    public void assign(Bits b, int w, int mask, int value) {
        int m = mask & implemented[w];
        array(b).getAndUpdate(w, v -> (v & ~m) | (value & m));
    }

    /** Whether {@code intid}'s bit is set in {@code b}. */
    public boolean test(Bits b, int intid) {
        int i = intid - firstIntid;
        return (array(b).get(i >>> 5) & (1 << i)) != 0;
    }

    /** Sets or clears {@code intid}'s bit in {@code b}; returns the old bit. */
    public boolean put(Bits b, int intid, boolean on) {
        int i = intid - firstIntid;
        int old = on ? set(b, i >>> 5, 1 << i) : clear(b, i >>> 5, 1 << i);
        return (old & (1 << i)) != 0;
    }

    /** The priority of {@code intid}. */
    public int priority(int intid) {
        return priority[intid - firstIntid] & 0xFF;
    }

    /** Sets the priority of {@code intid}; unimplemented low bits are dropped (RAZ/WI). */
    public void setPriority(int intid, int value) {
        if (implemented(intid)) {
            priority[intid - firstIntid] = (byte) (value & priorityMask);
        }
    }

    /** Whether {@code intid} is Group 1. */
    public int groupOf(int intid) {
        return test(Bits.GROUP, intid) ? 1 : 0;
    }

    /**
     * A new input level on {@code intid}'s wire. An edge-triggered interrupt latches pending on a rising
     * edge; a level-sensitive one is pending while the level is high.
     *
     * @return whether anything a CPU could see changed
     */
    public boolean setLevel(int intid, boolean high) {
        boolean was = put(Bits.LEVEL, intid, high);
        if (was == high) {
            return false;
        }
        if (test(Bits.EDGE, intid)) {
            return high && !put(Bits.PENDING, intid, true);
        }
        return true;
    }

    /**
     * Acknowledge: makes {@code intid} active and clears its latch, if it is still a candidate. Atomic
     * with respect to other CPUs acknowledging the same interrupt (1-of-N SPIs), so only one succeeds.
     */
    public boolean claim(int intid) {
        int i = intid - firstIntid;
        int w = i >>> 5;
        int bit = 1 << i;
        if ((candidates(w) & bit) == 0) {
            return false;
        }
        if ((active.getAndUpdate(w, v -> v | bit) & bit) != 0) {
            return false;
        }
        latch.getAndUpdate(w, v -> v & ~bit);
        return true;
    }

    /** This bank's state for a snapshot. */
    public IrqBankState save() {
        long[] prio = new long[priority.length];
        for (int i = 0; i < prio.length; i++) {
            prio[i] = priority[i] & 0xFF;
        }
        return new IrqBankState(words(group), words(enabled), words(latch), words(active), words(level),
            words(edge), Longs.of(prio));
    }

    /** Restores a saved state; a bank of another size restores the common part. */
    public void restore(IrqBankState s) {
        load(group, s.group());
        load(enabled, s.enabled());
        load(latch, s.pending());
        load(active, s.active());
        load(level, s.level());
        load(edge, s.edge());
        for (int i = 0; i < Math.min(priority.length, s.priority().size()); i++) {
            setPriority(firstIntid + i, (int) s.priority().get(i));
        }
    }

    private Longs words(AtomicIntegerArray a) {
        long[] v = new long[a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i) & 0xFFFF_FFFFL;
        }
        return Longs.of(v);
    }

    private void load(AtomicIntegerArray a, Longs v) {
        for (int i = 0; i < a.length(); i++) {
            a.set(i, i < v.size() ? (int) v.get(i) & implemented[i] : 0);
        }
    }
}
