package gic.host.stress;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The guest kernel's record of whether each event is mapped, versioned so that a device can tell, from
 * the word it read before its MSI and the word it read after, whether a command changed the mapping
 * meanwhile ({@link #classify}). One writer (the thread that issues the commands).
 *
 * <p>Word: bit 0 mapped, bit 1 a command is changing it, bit 2 the change in progress (or the last one)
 * is a DISCARD, bits 3.. a version that every {@link #begin} and {@link #end} increments (even: stable).
 */
final class Mapping {

    private static final long MAPPED = 1;
    private static final long CHANGING = 2;
    private static final long CLEARING = 4;
    private static final long VERSION = 8;

    private final AtomicLongArray words;

    /** {@code events} events, all mapped or all unmapped. */
    Mapping(int events, boolean mapped) {
        words = new AtomicLongArray(events);
        for (int i = 0; i < events; i++) {
            words.set(i, mapped ? MAPPED : 0);
        }
    }

    long read(int i) {
        return words.get(i);
    }

    static boolean mapped(long word) {
        return (word & MAPPED) != 0;
    }

    boolean mapped(int i) {
        return mapped(words.get(i));
    }

    /** Before the command that changes event {@code i}'s mapping; {@code discard}: the command is a DISCARD. */
    void begin(int i, boolean discard) {
        long w = words.get(i) + VERSION;
        words.set(i, (w & ~CLEARING) | CHANGING | (discard ? CLEARING : 0));
    }

    /** After that command returned: the event is now {@code mapped} or not. */
    void end(int i, boolean mapped) {
        long w = words.get(i) + VERSION;
        words.set(i, (w & ~(CHANGING | MAPPED)) | (mapped ? MAPPED : 0));
    }

    /**
     * What an MSI was aimed at, from the words read just before and just after it: unchanged and stable
     * → {@link Ledger.Kind#MAPPED} or {@link Ledger.Kind#UNMAPPED}; every change in between belongs to one
     * DISCARD → {@link Ledger.Kind#DISCARDED}; otherwise {@link Ledger.Kind#UNSTABLE}.
     */
    static Ledger.Kind classify(long before, long after) {
        if (before == after && (before & CHANGING) == 0) {
            return mapped(before) ? Ledger.Kind.MAPPED : Ledger.Kind.UNMAPPED;
        }
        long vb = before / VERSION;
        long va = after / VERSION;
        // the command that produced `after` started from stable version (va - 1) & ~1
        if ((after & CLEARING) != 0 && vb >= ((va - 1) & ~1L)) {
            return Ledger.Kind.DISCARDED;
        }
        return Ledger.Kind.UNSTABLE;
    }
}
