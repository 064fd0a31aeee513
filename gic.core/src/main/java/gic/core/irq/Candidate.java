package gic.core.irq;

/**
 * A pending interrupt competing to be a CPU's highest-priority pending interrupt, packed in a
 * {@code long}: group in bit 40, priority in bits [39:32], INTID in bits [31:0]. Lower priority value
 * wins; on equal priority the lower INTID wins (IMPDEF: the architecture leaves the tie-break open; QEMU
 * chooses the same).
 */
public final class Candidate {

    /** No candidate; compares worse than any real one. */
    public static final long NONE = 0xFF_FFFF_FFFFL;
    private static final long ORDER = 0xFF_FFFF_FFFFL;

    private Candidate() {
    }

    public static long of(int group, int priority, int intid) {
        return (long) group << 40 | (long) priority << 32 | (intid & 0xFFFF_FFFFL);
    }

    /** Whether {@code a} beats {@code b}. */
    public static boolean beats(long a, long b) {
        return (a & ORDER) < (b & ORDER);
    }

    public static long better(long a, long b) {
        return beats(b, a) ? b : a;
    }

    public static boolean isNone(long c) {
        return (c & ORDER) == NONE;
    }

    public static int intid(long c) {
        return (int) c;
    }

    public static int priority(long c) {
        return (int) (c >>> 32) & 0xFF;
    }

    public static int group(long c) {
        return (int) (c >>> 40) & 1;
    }

    /** The best candidate of a bank word: interrupts in {@code bits} (bit 0 = {@code baseIntid}). */
    public static long bestOf(IrqBank bank, int bits, int baseIntid, int groupMask, long best) {
        for (; bits != 0; bits &= bits - 1) {
            int intid = baseIntid + Integer.numberOfTrailingZeros(bits);
            int g = bank.groupOf(intid);
            if ((groupMask & (1 << g)) != 0) {
                best = better(best, of(g, bank.priority(intid), intid));
            }
        }
        return best;
    }
}
