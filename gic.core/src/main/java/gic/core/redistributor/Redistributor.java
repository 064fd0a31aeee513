package gic.core.redistributor;

import gic.api.GicConfig;
import gic.api.GicSnapshot.RedistributorState;
import gic.api.Longs;
import gic.core.GicCore;
import gic.core.IdRegisters;
import gic.core.cpuif.CpuInterfaceImpl;
import gic.core.distributor.Distributor;
import gic.core.irq.BankRegisters;
import gic.core.irq.IrqBank;
import gic.core.lpi.LpiState;
import gic.core.reg.Field;
import gic.core.reg.RegisterTable;

/**
 * One PE's redistributor (GICR): the RD_base frame (control, wake, LPI tables) and the SGI_base frame
 * (SGI and PPI state), plus the PE's LPIs. Its monitor guards its SGI/PPI and LPI state and its CPU
 * interface: one lock per redistributor, none global.
 *
 * <p>The entry points {@link #setLpiPending}, {@link #clearLpiPending}, {@link #invalidateLpi} and
 * {@link #invalidateAllLpis} are the one way both LPI back ends (the ITS, DirectLPI) act on LPIs.
 */
public final class Redistributor {

    public static final Field CTLR_ENABLE_LPIS = new Field("EnableLPIs", 0, 1);
    public static final Field CTLR_CES = new Field("CES", 1, 1);
    public static final Field CTLR_IR = new Field("IR", 2, 1);

    public static final Field TYPER_PLPIS = new Field("PLPIS", 0, 1);
    public static final Field TYPER_DIRECT_LPI = new Field("DirectLPI", 3, 1);
    public static final Field TYPER_LAST = new Field("Last", 4, 1);
    public static final Field TYPER_PROCESSOR_NUMBER = new Field("Processor_Number", 8, 16);
    public static final Field TYPER_COMMON_LPI_AFF = new Field("CommonLPIAff", 24, 2);
    public static final Field TYPER_AFFINITY = new Field("Affinity_Value", 32, 32);

    public static final Field WAKER_PROCESSOR_SLEEP = new Field("ProcessorSleep", 1, 1);
    public static final Field WAKER_CHILDREN_ASLEEP = new Field("ChildrenAsleep", 2, 1);

    public static final Field PROPBASER_ID_BITS = new Field("IDbits", 0, 5);
    public static final Field PROPBASER_PA = new Field("Physical_Address", 12, 40);
    public static final Field PENDBASER_PA = new Field("Physical_Address", 16, 36);
    public static final Field PENDBASER_PTZ = new Field("PTZ", 62, 1);
    /** Bits kept on write: everything but the RES0 fields (IHI 0069 GICR_PROPBASER / GICR_PENDBASER). */
    private static final long PROPBASER_MASK = ~(0xF8L << 56 | 0xFL << 52 | 0x3L << 5);
    private static final long PENDBASER_MASK = ~(1L << 63 | 0x7L << 59 | 0xFL << 52 | 0xFL << 12 | 0x7FL);

    /** Offset of the SGI_base frame in a redistributor. */
    public static final int SGI_BASE = 0x10000;

    private static final RegisterTable<Redistributor> SGI_REGS = sgiRegisters();

    private final GicCore gic;
    private final int index;
    private final int affinity;
    private final String name;
    private final IrqBank bank;
    private final LpiState lpis;
    private final CpuInterfaceImpl cpu;
    private final RegisterTable<Redistributor> rdRegs;
    private int ctlr;
    private int waker = (int) (WAKER_PROCESSOR_SLEEP.mask() | WAKER_CHILDREN_ASLEEP.mask());
    private long propbaser;
    /** GICR_PENDBASER as written, including PTZ until EnableLPIs consumes it. */
    private long pendbaser;

    public Redistributor(GicCore gic, int index, RegisterTable<Redistributor> rdRegs) {
        this.gic = gic;
        this.index = index;
        this.rdRegs = rdRegs;
        GicConfig c = gic.config();
        affinity = c.cpuAffinities().get(index);
        name = "GICR" + index;
        bank = new IrqBank(0, 32, 31, c.priorityBits());
        bank.set(IrqBank.Bits.EDGE, 0, 0xFFFF); // SGIs are always edge-triggered.
        lpis = new LpiState(c.lpiIdBits(), c.priorityBits());
        cpu = new CpuInterfaceImpl(gic, this, index);
    }

    /** The RD_base registers of the core; a back end may add its own (DirectLPI) with {@link RegisterTable#include}. */
    public static RegisterTable<Redistributor> rdRegisters() {
        RegisterTable<Redistributor> t = new RegisterTable<>("RD_base", 0x10000);
        int w = RegisterTable.W;
        int dw = RegisterTable.D | RegisterTable.W;
        t.reg("GICR_CTLR", 0x0000, 4, w, (r, i) -> r.ctlr(), (r, i, v) -> r.writeCtlr((int) v));
        t.reg("GICR_IIDR", 0x0004, 4, w, (r, i) -> Distributor.IIDR, null);
        t.reg("GICR_TYPER", 0x0008, 8, dw, (r, i) -> r.typer(), null);
        t.razWi("GICR_STATUSR", 0x0010, 4, w);
        t.reg("GICR_WAKER", 0x0014, 4, w, (r, i) -> r.waker, (r, i, v) -> r.writeWaker((int) v));
        t.reg("GICR_PROPBASER", 0x0070, 8, dw, (r, i) -> r.propbaser, (r, i, v) -> r.writePropbaser(v));
        // PTZ (bit 62) reads as 0 but is state until EnableLPIs consumes it: halves merge into the state.
        t.reg("GICR_PENDBASER", 0x0078, 8, dw, (r, i) -> r.pendbaser & ~PENDBASER_PTZ.mask(),
            (r, i) -> r.pendbaser, (r, i, v) -> r.writePendbaser(v));
        IdRegisters.declare(t);
        return t;
    }

    private static RegisterTable<Redistributor> sgiRegisters() {
        RegisterTable<Redistributor> t = new RegisterTable<>("SGI_base", 0x10000);
        BankRegisters.declare(t, 1, 0, 1, r -> r.bank, Redistributor::bankProgrammed);
        t.razWi("GICR_IGRPMODR0", 0x0D00, 4, RegisterTable.W);
        t.razWi("GICR_NSACR", 0x0E00, 4, RegisterTable.W);
        t.razWi("GICR_INMIR0", 0x0F80, 4, RegisterTable.W);
        // Extended PPI range (GICR_TYPER.PPInum = 0): RAZ/WI.
        t.razWi("GICR_IGROUPR<n>E", 0x0084, 8, RegisterTable.W);
        t.razWi("GICR_ISENABLER<n>E", 0x0104, 8, RegisterTable.W);
        t.razWi("GICR_ICENABLER<n>E", 0x0184, 8, RegisterTable.W);
        t.razWi("GICR_ISPENDR<n>E", 0x0204, 8, RegisterTable.W);
        t.razWi("GICR_ICPENDR<n>E", 0x0284, 8, RegisterTable.W);
        t.razWi("GICR_ISACTIVER<n>E", 0x0304, 8, RegisterTable.W);
        t.razWi("GICR_ICACTIVER<n>E", 0x0384, 8, RegisterTable.W);
        t.razWi("GICR_IPRIORITYR<n>E", 0x0420, 0x40, RegisterTable.B | RegisterTable.W);
        t.razWi("GICR_ICFGR<n>E", 0x0C08, 0x10, RegisterTable.W);
        t.razWi("GICR_IGRPMODR<n>E", 0x0D04, 8, RegisterTable.W);
        t.razWi("GICR_INMIR<n>E", 0x0F84, 8, RegisterTable.W);
        return t;
    }

    public int index() {
        return index;
    }

    public int affinity() {
        return affinity;
    }

    public String name() {
        return name;
    }

    public IrqBank bank() {
        return bank;
    }

    public LpiState lpis() {
        return lpis;
    }

    public CpuInterfaceImpl cpu() {
        return cpu;
    }

    public GicCore gic() {
        return gic;
    }

    /** Whether GICR_CTLR.EnableLPIs is 1. */
    public boolean lpisEnabled() {
        return CTLR_ENABLE_LPIS.isSet(ctlr);
    }

    /** GICR_WAKER.ProcessorSleep. */
    public boolean asleep() {
        return WAKER_PROCESSOR_SLEEP.isSet(waker);
    }

    /** MMIO read of this redistributor at {@code offset} (0..0x1FFFF). */
    public long read(long offset, int size) {
        synchronized (this) {
            return offset >= SGI_BASE
                ? SGI_REGS.read(this, offset - SGI_BASE, size, name, gic.errors())
                : rdRegs.read(this, offset, size, name, gic.errors());
        }
    }

    /** MMIO write of this redistributor at {@code offset} (0..0x1FFFF). */
    public void write(long offset, int size, long value) {
        boolean lpisTurnedOff;
        synchronized (this) {
            boolean before = lpisEnabled();
            if (offset >= SGI_BASE) {
                SGI_REGS.write(this, offset - SGI_BASE, size, value, name, gic.errors());
            } else {
                rdRegs.write(this, offset, size, value, name, gic.errors());
            }
            lpisTurnedOff = before && !lpisEnabled();
        }
        if (lpisTurnedOff) {
            gic.lpisDisabled(this);
        }
    }

    private int ctlr() {
        return ctlr | (int) CTLR_CES.mask() | gic.extension().redistributorCtlrBits();
    }

    private long typer() {
        long t = TYPER_PLPIS.of(1) | gic.extension().redistributorTyperBits();
        t |= TYPER_LAST.of(index == gic.config().cpuCount() - 1 ? 1 : 0);
        t |= TYPER_PROCESSOR_NUMBER.of(index);
        t |= TYPER_COMMON_LPI_AFF.of(0); // all redistributors share one LPI property table
        return t | TYPER_AFFINITY.of(affinity & 0xFFFF_FFFFL);
    }

    private void writeCtlr(int v) {
        boolean enable = CTLR_ENABLE_LPIS.isSet(v);
        if (enable == lpisEnabled()) {
            return;
        }
        if (enable) {
            ctlr |= (int) CTLR_ENABLE_LPIS.mask();
            int idBits = Math.min(PROPBASER_ID_BITS.getInt(propbaser) + 1, gic.config().lpiIdBits());
            // IHI 0069 GICR_PROPBASER.IDbits: fewer than 14 bits leaves no room for LPIs.
            int limit = idBits < 14 ? LpiState.FIRST : 1 << idBits;
            String err = lpis.enable(limit, propTable(), pendTable(), PENDBASER_PTZ.isSet(pendbaser), gic.memory());
            pendbaser &= ~PENDBASER_PTZ.mask();
            if (err != null) {
                gic.errors().report(name, err);
            }
        } else {
            // IMPDEF: GICR_CTLR.CES = 1, so EnableLPIs can be cleared; the pending state is written back
            // at once and RWP never reads 1.
            ctlr &= ~(int) CTLR_ENABLE_LPIS.mask();
            String err = lpis.disable(pendTable(), gic.memory());
            if (err != null) {
                gic.errors().report(name, err);
            }
        }
        cpu.update();
    }

    private void writeWaker(int v) {
        // ChildrenAsleep follows ProcessorSleep at once (IMPDEF bit 0 and bit 31 RAZ/WI).
        boolean sleep = WAKER_PROCESSOR_SLEEP.isSet(v);
        waker = sleep ? (int) (WAKER_PROCESSOR_SLEEP.mask() | WAKER_CHILDREN_ASLEEP.mask()) : 0;
        cpu.markSpisChanged();
        cpu.update();
    }

    private void writePropbaser(long v) {
        if (lpisEnabled()) {
            // IHI 0069: UNPREDICTABLE while EnableLPIs = 1; IMPDEF: ignored, as KVM does.
            gic.errors().report(name, "GICR_PROPBASER written while EnableLPIs = 1");
            return;
        }
        propbaser = v & PROPBASER_MASK;
    }

    private void writePendbaser(long v) {
        if (lpisEnabled()) {
            gic.errors().report(name, "GICR_PENDBASER written while EnableLPIs = 1");
            return;
        }
        pendbaser = v & PENDBASER_MASK;
    }

    private long propTable() {
        return PROPBASER_PA.get(propbaser) << 12;
    }

    private long pendTable() {
        return PENDBASER_PA.get(pendbaser) << 16;
    }

    private void bankProgrammed() {
        cpu.update();
    }

    /** A PPI's wire changed level. */
    public void setPpiLevel(int intid, boolean high) {
        synchronized (this) {
            if (bank.setLevel(intid, high)) {
                cpu.update();
            }
        }
    }

    /** An SGI of {@code group} arrives; ignored if the SGI is configured in the other group. */
    public void raiseSgi(int intid, int group) {
        synchronized (this) {
            if (bank.groupOf(intid) == group) {
                bank.put(IrqBank.Bits.PENDING, intid, true);
                cpu.update();
            }
        }
    }

    /** SPI state routed here may have changed. */
    public void spisChanged() {
        synchronized (this) {
            cpu.markSpisChanged();
            cpu.update();
        }
    }

    /** Re-evaluates this CPU after a global change (GICD_CTLR, routing). */
    public void update(boolean spis) {
        synchronized (this) {
            if (spis) {
                cpu.markSpisChanged();
            }
            cpu.update();
        }
    }

    /**
     * Makes LPI {@code intid} pending here. Dropped (returns {@code false}) while EnableLPIs is 0 or if the
     * INTID is outside the LPI range of GICR_PROPBASER.IDbits; a raise of an LPI already pending coalesces
     * with it (returns {@code true}).
     */
    public boolean setLpiPending(int intid) {
        synchronized (this) {
            return raiseLpiHeld(intid) != LPI_REFUSED;
        }
    }

    /** {@link #raiseLpiHeld}: dropped (EnableLPIs is 0, or the INTID is out of range). */
    public static final int LPI_REFUSED = 0;
    /** {@link #raiseLpiHeld}: the LPI became pending. */
    public static final int LPI_SET = 1;
    /** {@link #raiseLpiHeld}: the LPI was pending already; the raise coalesced. */
    public static final int LPI_COALESCED = 2;

    /**
     * {@link #setLpiPending} for a caller that already holds this redistributor's monitor (an ITS honouring
     * a cached translation, a DirectLPI doorbell), saving a nested lock on the MSI path; it also tells a
     * coalesced raise apart. Returns {@link #LPI_REFUSED}, {@link #LPI_SET} or {@link #LPI_COALESCED}.
     */
    public int raiseLpiHeld(int intid) {
        assert Thread.holdsLock(this);
        if (!lpisEnabled() || !lpis.inRange(intid)) {
            return LPI_REFUSED;
        }
        if (lpis.set(intid)) {
            cpu.lpiRaised(lpis.candidate(intid));
            return LPI_SET;
        }
        return LPI_COALESCED;
    }

    /** Clears LPI {@code intid}'s pending state here; returns whether it was pending. */
    public boolean clearLpiPending(int intid) {
        synchronized (this) {
            if (!lpisEnabled() || !lpis.inRange(intid) || !lpis.clear(intid)) {
                return false;
            }
            cpu.update();
            return true;
        }
    }

    /**
     * Moves the pending state of every LPI pending here to {@code to} as one step (the ITS MOVALL
     * command): both monitors are held, in ascending index order (the order snapshots use), so no MSI,
     * acknowledge or EnableLPIs change falls in between. Nothing moves unless both have EnableLPIs = 1;
     * an LPI beyond {@code to}'s GICR_PROPBASER.IDbits range stays here. {@code to} re-reads its whole
     * configuration table: it may have cached bytes before the guest's last INV of the LPIs it receives.
     *
     * @return how many LPIs moved
     */
    public int movePendingLpisTo(Redistributor to) {
        if (to == this) {
            return 0;
        }
        Redistributor first = index < to.index ? this : to;
        Redistributor second = first == this ? to : this;
        synchronized (first) {
            synchronized (second) {
                if (!lpisEnabled() || !to.lpisEnabled()) {
                    return 0;
                }
                int moved = lpis.movePendingTo(to.lpis);
                if (moved > 0) {
                    // also rebuilds the target's index
                    if (!to.lpis.invalidateAll(to.propTable(), gic.memory())) {
                        gic.errors().report(to.name, "LPI property table is outside RAM");
                    }
                    cpu.update();
                    to.cpu.update();
                }
                return moved;
            }
        }
    }

    public boolean isLpiPending(int intid) {
        synchronized (this) {
            return lpisEnabled() && lpis.inRange(intid) && lpis.isPending(intid);
        }
    }

    /** Re-reads LPI {@code intid}'s configuration from the property table (ITS INV, GICR_INVLPIR). */
    public void invalidateLpi(int intid) {
        synchronized (this) {
            if (!lpisEnabled() || !lpis.inRange(intid)) {
                return;
            }
            if (!lpis.invalidate(intid, propTable(), gic.memory())) {
                gic.errors().report(name, "LPI property table entry of " + intid + " is outside RAM");
            }
            cpu.update();
        }
    }

    /** Re-reads the configuration of every LPI (ITS INVALL, GICR_INVALLR). */
    public void invalidateAllLpis() {
        synchronized (this) {
            if (!lpisEnabled()) {
                return;
            }
            if (!lpis.invalidateAll(propTable(), gic.memory())) {
                gic.errors().report(name, "LPI property table is outside RAM");
            }
            cpu.update();
        }
    }

    /** Writes this redistributor's pending LPIs to its pending table (snapshot). */
    public void writeBackPendingLpis() {
        synchronized (this) {
            if (lpisEnabled() && !lpis.writeBack(pendTable(), gic.memory())) {
                gic.errors().report(name, "LPI pending table is outside RAM");
            }
        }
    }

    /** State for a snapshot; call with this monitor held. */
    public RedistributorState save() {
        return new RedistributorState(ctlr, waker, propbaser, pendbaser, bank.save(),
            Longs.of(lpis.pendingIntids()), cpu.save());
    }

    /** Restores a snapshot's state; property-table config is re-read from guest memory. */
    public void restore(RedistributorState s) {
        synchronized (this) {
            waker = s.waker() & (int) (WAKER_PROCESSOR_SLEEP.mask() | WAKER_CHILDREN_ASLEEP.mask());
            propbaser = s.propbaser() & PROPBASER_MASK;
            pendbaser = s.pendbaser() & PENDBASER_MASK;
            bank.restore(s.sgiPpi());
            bank.set(IrqBank.Bits.EDGE, 0, 0xFFFF);
            cpu.restore(s.cpu());
            ctlr = 0;
            if (CTLR_ENABLE_LPIS.isSet(s.ctlr())) {
                ctlr = (int) CTLR_ENABLE_LPIS.mask();
                int idBits = Math.min(PROPBASER_ID_BITS.getInt(propbaser) + 1, gic.config().lpiIdBits());
                String err = lpis.enable(idBits < 14 ? LpiState.FIRST : 1 << idBits, propTable(), pendTable(), true,
                    gic.memory());
                if (err != null) {
                    gic.errors().report(name, "on restore: " + err);
                }
                for (int i = 0; i < s.pendingLpis().size(); i++) {
                    int intid = (int) s.pendingLpis().get(i);
                    if (lpis.inRange(intid)) {
                        lpis.set(intid);
                    }
                }
            }
            cpu.update();
        }
    }
}
