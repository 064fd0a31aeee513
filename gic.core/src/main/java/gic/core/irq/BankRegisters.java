package gic.core.irq;

import gic.core.irq.IrqBank.Bits;
import gic.core.reg.RegisterTable;
import java.util.function.Function;

/**
 * The per-interrupt register set shared by GICD (SPIs) and the redistributor's SGI_base frame (SGIs and
 * PPIs): IGROUPR, ISENABLER/ICENABLER, ISPENDR/ICPENDR, ISACTIVER/ICACTIVER, IPRIORITYR and ICFGR, declared
 * once over an {@link IrqBank}. Register word {@code n} covers INTIDs {@code 32n..32n+31}; words below
 * {@code firstWord} (the GICD copies of SGI/PPI state with affinity routing on) read as zero.
 */
public final class BankRegisters {

    /** Told after a write changed the bank, so the CPUs concerned re-evaluate. */
    @FunctionalInterface
    public interface Changed<T> {
        void changed(T block);
    }

    private BankRegisters() {
    }

    /**
     * Declares the bit registers, IPRIORITYR and ICFGR.
     *
     * @param words         register words of each bit register (32 for GICD, 1 for SGI_base)
     * @param firstWord     the first word backed by the bank
     * @param fixedEdgeCfg  ICFGR registers (2 bits per INTID, 16 per register) below this index are read-only
     */
    public static <T> void declare(RegisterTable<T> t, int words, int firstWord, int fixedEdgeCfg,
                                   Function<T, IrqBank> bankOf, Changed<T> changed) {
        bits(t, "IGROUPR", 0x080, words, firstWord, bankOf, Bits.GROUP, Op.ASSIGN, changed);
        bits(t, "ISENABLER", 0x100, words, firstWord, bankOf, Bits.ENABLED, Op.SET, changed);
        bits(t, "ICENABLER", 0x180, words, firstWord, bankOf, Bits.ENABLED, Op.CLEAR, changed);
        bits(t, "ISPENDR", 0x200, words, firstWord, bankOf, Bits.PENDING, Op.SET, changed);
        bits(t, "ICPENDR", 0x280, words, firstWord, bankOf, Bits.PENDING, Op.CLEAR, changed);
        bits(t, "ISACTIVER", 0x300, words, firstWord, bankOf, Bits.ACTIVE, Op.SET, changed);
        bits(t, "ICACTIVER", 0x380, words, firstWord, bankOf, Bits.ACTIVE, Op.CLEAR, changed);
        int base = firstWord * 32;
        t.array("IPRIORITYR", 0x400, words * 32, 1, RegisterTable.B | RegisterTable.W,
            (b, i) -> i < base || !bankOf.apply(b).implemented(i) ? 0 : bankOf.apply(b).priority(i),
            (b, i, v) -> {
                if (i >= base) {
                    bankOf.apply(b).setPriority(i, (int) v);
                    changed.changed(b);
                }
            });
        t.array("ICFGR", 0xC00, words * 2, 4, RegisterTable.W,
            (b, i) -> i < 2 * firstWord ? 0 : readConfig(bankOf.apply(b), i - 2 * firstWord),
            (b, i, v) -> {
                if (i >= Math.max(fixedEdgeCfg, 2 * firstWord)) {
                    writeConfig(bankOf.apply(b), i - 2 * firstWord, (int) v);
                    changed.changed(b);
                }
            });
    }

    private enum Op { ASSIGN, SET, CLEAR }

    private static <T> void bits(RegisterTable<T> t, String name, int offset, int words, int firstWord,
                                 Function<T, IrqBank> bankOf, Bits bits, Op op, Changed<T> changed) {
        t.array(name, offset, words, 4, RegisterTable.W,
            (b, n) -> {
                IrqBank bank = bankOf.apply(b);
                int w = n - firstWord;
                if (w < 0 || w >= bank.words()) {
                    return 0;
                }
                return (bits == Bits.PENDING ? bank.pendingWord(w) : bank.word(bits, w)) & 0xFFFF_FFFFL;
            },
            (b, n, v) -> {
                IrqBank bank = bankOf.apply(b);
                int w = n - firstWord;
                if (w < 0 || w >= bank.words()) {
                    return;
                }
                switch (op) {
                    case ASSIGN -> bank.assign(bits, w, -1, (int) v);
                    case SET -> bank.set(bits, w, (int) v);
                    case CLEAR -> bank.clear(bits, w, (int) v);
                }
                changed.changed(b);
            });
    }

    /** ICFGR register {@code k} of the bank: bit 2j+1 is 1 for an edge-triggered interrupt 16k+j. */
    private static long readConfig(IrqBank bank, int k) {
        int w = k / 2;
        if (w >= bank.words()) {
            return 0;
        }
        int edges = bank.word(Bits.EDGE, w) >>> (16 * (k % 2));
        long v = 0;
        for (int j = 0; j < 16; j++) {
            if ((edges & (1 << j)) != 0) {
                v |= 2L << (2 * j);
            }
        }
        return v;
    }

    private static void writeConfig(IrqBank bank, int k, int value) {
        int w = k / 2;
        if (w >= bank.words()) {
            return;
        }
        int edges = 0;
        for (int j = 0; j < 16; j++) {
            if ((value & (2 << (2 * j))) != 0) {
                edges |= 1 << j;
            }
        }
        int shift = 16 * (k % 2);
        bank.assign(Bits.EDGE, w, 0xFFFF << shift, edges << shift);
    }
}
