package gic.core.cpuif;

import gic.api.CpuInterface;
import gic.api.GicSnapshot.CpuInterfaceState;
import gic.api.IccRegister;
import gic.api.Longs;
import gic.core.GicCore;
import gic.core.distributor.Distributor;
import gic.core.irq.Candidate;
import gic.core.irq.IrqBank;
import gic.core.lpi.LpiState;
import gic.core.reg.Field;
import gic.core.redistributor.Redistributor;

/**
 * One PE's CPU interface (ICC_*_EL1, single security state, EL1): priority mask, binary points, active
 * priorities, acknowledge and end of interrupt, SGI generation; and the choice of the highest-priority
 * pending interrupt (HPPI) and the IRQ/FIQ lines it drives.
 *
 * <p>All state is guarded by the monitor of this CPU's {@link Redistributor}. Every change that can
 * alter the HPPI is followed by {@link #update()} under that monitor, so the cached HPPI and the line
 * levels are always those of the latest state. The HPPI is the best of: this redistributor's SGIs and
 * PPIs (one word), the SPIs routed here (a cached best, rescanned only after an SPI change), and the
 * best LPI (from the redistributor's priority index): its cost does not depend on the number of LPIs.
 */
public final class CpuInterfaceImpl implements CpuInterface {

    public static final Field CTLR_CBPR = new Field("CBPR", 0, 1);
    public static final Field CTLR_EOIMODE = new Field("EOImode", 1, 1);
    public static final Field CTLR_PRIBITS = new Field("PRIbits", 8, 3);
    public static final Field CTLR_IDBITS = new Field("IDbits", 11, 3);
    public static final Field CTLR_A3V = new Field("A3V", 15, 1);
    public static final Field CTLR_RSS = new Field("RSS", 18, 1);
    /** ICC_IAR/EOIR/DIR/HPPIR: INTID [23:0]. */
    public static final Field INTID = new Field("INTID", 0, 24);
    /** The INTID returned when there is nothing to acknowledge. */
    public static final int SPURIOUS = 1023;

    private final GicCore gic;
    private final Redistributor rd;
    private final int index;
    private final int priorityMask;
    private final int preBits;
    private final int minBpr0;
    private final int aprCount;

    private int pmr;
    private int bpr0;
    private int bpr1;
    private boolean cbpr;
    private boolean eoiMode;
    private boolean igrpen0;
    private boolean igrpen1;
    private final int[][] apr = new int[2][4];

    private volatile boolean spiDirty = true;
    private long spiBest = Candidate.NONE;
    private long hppi = Candidate.NONE;
    private boolean irqLine;
    private boolean fiqLine;
    private int notifySpi = -1;

    public CpuInterfaceImpl(GicCore gic, Redistributor rd, int index) {
        this.gic = gic;
        this.rd = rd;
        this.index = index;
        int bits = gic.config().priorityBits();
        priorityMask = (0xFF << (8 - bits)) & 0xFF;
        // IMPDEF: as many preemption bits as priority bits, at most 7 (ICC_BPR0_EL1 cannot go below 0).
        preBits = Math.min(bits, 7);
        minBpr0 = 7 - preBits;
        aprCount = Math.max(1, (1 << preBits) / 32);
        bpr0 = minBpr0;
        bpr1 = minBpr0 + 1;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public long read(IccRegister r) {
        long value;
        int changedSpi;
        synchronized (rd) {
            // ICC_IAR1_EL1 (taking an interrupt) is tested first so that this path stays small enough for
            // the JIT to inline; readLocked's switch is too large for that.
            value = r == IccRegister.IAR1 ? acknowledge(1) : readLocked(r);
            changedSpi = notifySpi;
            notifySpi = -1;
        }
        if (changedSpi >= 0) {
            gic.spiChanged(changedSpi);
        }
        return value;
    }

    private long readLocked(IccRegister r) {
        return switch (r) {
            case IAR0 -> acknowledge(0);
            case IAR1 -> acknowledge(1);
            case HPPIR0 -> highestPending(0);
            case HPPIR1 -> highestPending(1);
            case PMR -> pmr;
            case BPR0 -> bpr0;
            case BPR1 -> cbpr ? Math.min(bpr0 + 1, 7) : bpr1;
            case RPR -> runningPriority();
            case CTLR -> ctlr();
            case SRE -> 0x7; // SRE, DFB, DIB: system-register interface only, RAO/WI.
            case IGRPEN0 -> igrpen0 ? 1 : 0;
            case IGRPEN1 -> igrpen1 ? 1 : 0;
            case AP0R0, AP0R1, AP0R2, AP0R3 -> apr(0, r.ordinal() - IccRegister.AP0R0.ordinal());
            case AP1R0, AP1R1, AP1R2, AP1R3 -> apr(1, r.ordinal() - IccRegister.AP1R0.ordinal());
            case EOIR0, EOIR1, DIR, SGI0R, SGI1R, ASGI1R -> {
                gic.errors().report(block(), "read of write-only " + r.architecturalName());
                yield 0L;
            }
        };
    }

    @Override
    public void write(IccRegister r, long value) {
        switch (r) {
            case SGI0R -> gic.generateSgi(index, value, 0);
            // IMPDEF: with a single security state ICC_ASGI1R_EL1 generates Group 1 SGIs like ICC_SGI1R_EL1.
            case SGI1R, ASGI1R -> gic.generateSgi(index, value, 1);
            default -> {
                int changedSpi;
                synchronized (rd) {
                    // ICC_EOIR1_EL1 first, for the same reason as IAR1 in read.
                    changedSpi = r == IccRegister.EOIR1 ? endOfInterrupt(1, INTID.getInt(value)) : writeLocked(r, value);
                }
                if (changedSpi >= 0) {
                    gic.spiChanged(changedSpi);
                }
            }
        }
    }

    /** Writes a register under the lock; returns an SPI whose state changed, or -1. */
    private int writeLocked(IccRegister r, long value) {
        switch (r) {
            case EOIR0, EOIR1 -> {
                return endOfInterrupt(r == IccRegister.EOIR0 ? 0 : 1, INTID.getInt(value));
            }
            case DIR -> {
                return deactivateByDir(INTID.getInt(value));
            }
            case PMR -> pmr = (int) value & priorityMask;
            case BPR0 -> bpr0 = Math.max((int) value & 7, minBpr0);
            case BPR1 -> {
                if (!cbpr) {
                    bpr1 = Math.max((int) value & 7, minBpr0 + 1);
                }
            }
            case CTLR -> {
                cbpr = CTLR_CBPR.isSet(value);
                eoiMode = CTLR_EOIMODE.isSet(value);
            }
            case SRE -> {
                return -1;
            }
            case IGRPEN0 -> {
                igrpen0 = (value & 1) != 0;
                spiDirty = true;
            }
            case IGRPEN1 -> {
                igrpen1 = (value & 1) != 0;
                spiDirty = true;
            }
            case AP0R0, AP0R1, AP0R2, AP0R3 -> setApr(0, r.ordinal() - IccRegister.AP0R0.ordinal(), (int) value);
            case AP1R0, AP1R1, AP1R2, AP1R3 -> setApr(1, r.ordinal() - IccRegister.AP1R0.ordinal(), (int) value);
            default -> {
                gic.errors().report(block(), "write of read-only " + r.architecturalName());
                return -1;
            }
        }
        update();
        return -1;
    }

    @Override
    public long unknownSysReg(int op0, int op1, int crn, int crm, int op2, boolean write) {
        gic.errors().report(block(), String.format("%s of unknown system register S%d_%d_C%d_C%d_%d",
            write ? "MSR" : "MRS", op0, op1, crn, crm, op2));
        return 0;
    }

    private String block() {
        return "ICC" + index;
    }

    private long ctlr() {
        long v = CTLR_CBPR.of(cbpr ? 1 : 0) | CTLR_EOIMODE.of(eoiMode ? 1 : 0);
        v |= CTLR_PRIBITS.of(gic.config().priorityBits() - 1);
        v |= CTLR_IDBITS.of(gic.config().lpiIdBits() > 16 ? 1 : 0);
        return v | CTLR_A3V.of(1) | CTLR_RSS.of(1);
    }

    private long apr(int group, int n) {
        return n < aprCount ? apr[group][n] & 0xFFFF_FFFFL : 0;
    }

    private void setApr(int group, int n, int value) {
        if (n < aprCount) {
            apr[group][n] = value;
        }
    }

    /** The group-priority mask for {@code group} given the binary points (ICC_BPR0/1_EL1, CBPR). */
    private int groupPriorityMask(int group) {
        int bpr = group == 0 || cbpr ? bpr0 : bpr1 - 1;
        return (0xFF << (bpr + 1)) & 0xFF;
    }

    /** The running priority: the group priority of the highest active priority, 0xFF when idle. */
    private int runningPriority() {
        for (int i = 0; i < aprCount; i++) {
            int bits = apr[0][i] | apr[1][i];
            if (bits != 0) {
                return ((i << 5) + Integer.numberOfTrailingZeros(bits)) << (8 - preBits);
            }
        }
        return 0xFF;
    }

    /** Whether {@code c} is signalled: below the priority mask and able to preempt what is active. */
    private boolean canPreempt(long c) {
        int prio = Candidate.priority(c);
        if (prio >= pmr) {
            return false;
        }
        int running = runningPriority();
        if (running == 0xFF) {
            return true;
        }
        int mask = groupPriorityMask(Candidate.group(c));
        return (prio & mask) < (running & mask);
    }

    /** Group enables at this interface: bit 0 Group 0, bit 1 Group 1. */
    private int groupEnables() {
        return (igrpen0 ? 1 : 0) | (igrpen1 ? 2 : 0);
    }

    /** Tells this CPU that SPI state it may care about changed; call {@link #update()} after. */
    public void markSpisChanged() {
        spiDirty = true;
    }

    /** Whether this PE takes part in 1-of-N SPI selection (awake: GICR_WAKER.ProcessorSleep = 0). */
    private boolean participating() {
        return !rd.asleep();
    }

    /** Re-evaluates the HPPI and drives the IRQ and FIQ lines. Call with the redistributor's monitor held. */
    public void update() {
        Distributor dist = gic.distributor();
        int groupMask = dist.groupEnables() & groupEnables();
        IrqBank bank = rd.bank();
        long best = Candidate.bestOf(bank, bank.candidates(0), 0, groupMask, Candidate.NONE);
        if (spiDirty) {
            spiDirty = false;
            spiBest = dist.bestFor(index, groupMask, participating());
        }
        best = Candidate.better(best, spiBest);
        if ((groupMask & 2) != 0 && rd.lpisEnabled()) {
            long lpi = rd.lpis().best();
            if (lpi >= 0) {
                best = Candidate.better(best, Candidate.of(1, (int) (lpi >>> 32) & priorityMask, (int) lpi));
            }
        }
        hppi = best;
        signal();
    }

    /**
     * An LPI became pending here ({@code lpi} as {@link gic.core.lpi.LpiState#candidate}, -1 if it is
     * disabled). The cached HPPI is current (see {@link #acknowledge}), so the new HPPI is the better of it
     * and the LPI: no re-evaluation of every source on the MSI path. Call with the redistributor's monitor held.
     */
    public void lpiRaised(long lpi) {
        if (lpi < 0) {
            return; // a disabled LPI is not a candidate: nothing a CPU sees changed
        }
        if (spiDirty) {
            update();
            return;
        }
        if ((gic.distributor().groupEnables() & groupEnables() & 2) != 0) {
            hppi = Candidate.better(hppi, Candidate.of(1, (int) (lpi >>> 32) & priorityMask, (int) lpi));
            signal();
        }
    }

    /** Drives the IRQ and FIQ lines from the cached HPPI and the running priority. */
    private void signal() {
        long best = hppi;
        boolean irq = false;
        boolean fiq = false;
        if (!Candidate.isNone(best) && canPreempt(best) && !gic.isClosed()) {
            irq = Candidate.group(best) == 1;
            fiq = !irq;
        }
        if (irq != irqLine) {
            irqLine = irq;
            gic.host().setIrq(index, irq);
        }
        if (fiq != fiqLine) {
            fiqLine = fiq;
            gic.host().setFiq(index, fiq);
        }
    }

    private long highestPending(int group) {
        update();
        return Candidate.isNone(hppi) || Candidate.group(hppi) != group ? SPURIOUS : Candidate.intid(hppi);
    }

    /** ICC_IAR0/1_EL1: acknowledge the HPPI if it is of {@code group} and can be signalled. */
    private long acknowledge(int group) {
        for (int attempt = 0; attempt < 4; attempt++) {
            // The cached HPPI is current: every change to this CPU's state is followed by update() under
            // this monitor. Only SPI state is re-evaluated lazily (spiDirty), and a retry must look again.
            if (attempt > 0 || spiDirty) {
                update();
            }
            long c = hppi;
            if (Candidate.isNone(c) || Candidate.group(c) != group || !canPreempt(c)) {
                return SPURIOUS;
            }
            int intid = Candidate.intid(c);
            boolean taken;
            if (intid >= LpiState.FIRST) {
                taken = rd.lpis().clear(intid); // LPIs have no active state: acknowledge clears pending.
            } else if (intid < 32) {
                taken = rd.bank().claim(intid);
            } else {
                taken = gic.distributor().spis().claim(intid);
                spiDirty = true;
            }
            if (taken) {
                int bit = (Candidate.priority(c) & groupPriorityMask(group)) >>> (8 - preBits);
                apr[group][bit >>> 5] |= 1 << (bit & 31);
                update();
                if (intid >= 32 && intid < LpiState.FIRST && gic.distributor().isOneOfN(intid)) {
                    notifySpi = intid; // the other PEs that could take it must look again
                }
                return intid;
            }
            // Another PE took this 1-of-N SPI first: look again.
        }
        return SPURIOUS;
    }

    /** ICC_EOIR0/1_EL1: priority drop, and deactivation unless EOImode = 1. */
    private int endOfInterrupt(int group, int intid) {
        if (intid >= 1020 && intid <= 1023) {
            return -1;
        }
        int highestGroup = -1;
        int bit = -1;
        for (int i = 0; i < aprCount && bit < 0; i++) {
            int bits = apr[0][i] | apr[1][i];
            if (bits != 0) {
                bit = (i << 5) + Integer.numberOfTrailingZeros(bits);
                highestGroup = (apr[0][i] & (1 << (bit & 31))) != 0 ? 0 : 1;
            }
        }
        if (bit < 0 || highestGroup != group) {
            // IMPDEF (the architecture makes this UNPREDICTABLE): ignored, as QEMU does.
            gic.errors().report(block(), "EOIR" + group + " of " + intid + " without a matching active priority");
            return -1;
        }
        apr[group][bit >>> 5] &= ~(1 << (bit & 31));
        // A priority drop alone (EOImode = 1, or an LPI, which has no active state) changes no interrupt's
        // state, only the running priority: the cached HPPI stands and only the lines need driving again.
        boolean deactivates = !eoiMode && intid < LpiState.FIRST;
        int changed = deactivates ? deactivate(intid) : -1;
        if (deactivates || spiDirty) {
            update();
        } else {
            signal();
        }
        return changed;
    }

    private int deactivateByDir(int intid) {
        if (!eoiMode) {
            gic.errors().report(block(), "ICC_DIR_EL1 write with EOImode = 0");
            return -1;
        }
        int changed = deactivate(intid);
        update();
        return changed;
    }

    /** Clears {@code intid}'s active state; returns it if it is an SPI (other CPUs may care), else -1. */
    private int deactivate(int intid) {
        if (intid < 32) {
            rd.bank().put(IrqBank.Bits.ACTIVE, intid, false);
            return -1;
        }
        IrqBank spis = gic.distributor().spis();
        if (spis.implemented(intid)) {
            spis.put(IrqBank.Bits.ACTIVE, intid, false);
            spiDirty = true;
            return intid;
        }
        return -1; // LPIs have no active state; other INTIDs are not implemented.
    }

    public CpuInterfaceState save() {
        long[] a0 = new long[4];
        long[] a1 = new long[4];
        for (int i = 0; i < 4; i++) {
            a0[i] = apr[0][i] & 0xFFFF_FFFFL;
            a1[i] = apr[1][i] & 0xFFFF_FFFFL;
        }
        return new CpuInterfaceState(pmr, bpr0, bpr1, (int) (CTLR_CBPR.of(cbpr ? 1 : 0) | CTLR_EOIMODE.of(eoiMode ? 1 : 0)),
            igrpen0 ? 1 : 0, igrpen1 ? 1 : 0, Longs.of(a0), Longs.of(a1));
    }

    public void restore(CpuInterfaceState s) {
        pmr = s.pmr() & priorityMask;
        bpr0 = Math.max(s.bpr0() & 7, minBpr0);
        bpr1 = Math.max(s.bpr1() & 7, minBpr0 + 1);
        cbpr = CTLR_CBPR.isSet(s.ctlr());
        eoiMode = CTLR_EOIMODE.isSet(s.ctlr());
        igrpen0 = (s.igrpen0() & 1) != 0;
        igrpen1 = (s.igrpen1() & 1) != 0;
        for (int i = 0; i < 4; i++) {
            apr[0][i] = i < aprCount && i < s.ap0r().size() ? (int) s.ap0r().get(i) : 0;
            apr[1][i] = i < aprCount && i < s.ap1r().size() ? (int) s.ap1r().get(i) : 0;
        }
        spiDirty = true;
    }
}
