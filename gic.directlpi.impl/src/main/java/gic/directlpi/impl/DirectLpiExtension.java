package gic.directlpi.impl;

import gic.api.DirectLpi;
import gic.api.GicConfig;
import gic.api.GicProvider;
import gic.core.Counters;
import gic.core.GicCore;
import gic.core.GicExtension;
import gic.core.lpi.LpiState;
import gic.core.reg.Field;
import gic.core.reg.RegisterTable;
import gic.core.redistributor.Redistributor;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The DirectLPI back end of one GIC: what it adds to the architectural core.
 *
 * <ul>
 * <li>{@code GICR_TYPER.DirectLPI} = 1 and {@code GICR_CTLR.IR} = 1 on every redistributor;</li>
 * <li>the RD_base registers {@code GICR_SETLPIR}, {@code GICR_CLRLPIR}, {@code GICR_INVLPIR},
 *     {@code GICR_INVALLR} and {@code GICR_SYNCR} (IHI 0069 GICR register map), declared once in a
 *     {@link RegisterTable} that the core merges into every RD_base frame;</li>
 * <li>the MSI doorbells: a device's write of an INTID to any redistributor's {@code GICR_SETLPIR},
 *     checked against the optional {@link IsolationPolicy} with the requester's DeviceID.</li>
 * </ul>
 *
 * No ITS frame: {@link #regions()} is empty. Register handlers run with the redistributor's monitor held
 * (the core's dispatch takes it), so each one is a single step no MSI, acknowledge or other access splits.
 */
public final class DirectLpiExtension implements GicExtension {

    /** RD_base offsets (IHI 0069: GICR_SETLPIR, GICR_CLRLPIR, GICR_INVLPIR, GICR_INVALLR, GICR_SYNCR). */
    public static final int GICR_SETLPIR = 0x0040;
    public static final int GICR_CLRLPIR = 0x0048;
    public static final int GICR_INVLPIR = 0x00A0;
    public static final int GICR_INVALLR = 0x00B0;
    public static final int GICR_SYNCR = 0x00C0;

    /** GICR_SETLPIR, GICR_CLRLPIR, GICR_INVLPIR: the physical INTID in [31:0]. */
    public static final Field INTID = new Field("pINTID", 0, 32);
    /** GICR_INVLPIR, GICR_INVALLR (GICv4.1): the vPE whose virtual LPIs are meant when V = 1. */
    public static final Field VPEID = new Field("vPEID", 32, 16);
    /** GICR_INVLPIR, GICR_INVALLR (GICv4.1): 1 = a virtual LPI of vPE vPEID, 0 = a physical LPI. */
    public static final Field V = new Field("V", 63, 1);
    /** GICR_SYNCR.Busy. */
    public static final Field SYNCR_BUSY = new Field("Busy", 0, 1);

    /** Block name of MSI and retargeting reports (guest errors, counters {@code guestError.DirectLPI}). */
    static final String BLOCK = "DirectLPI";

    private final GicCore gic;
    private final Counters counters = new Counters();
    /** MSIs dropped before reaching a redistributor; {@link #msis} counts the rest (same name). */
    private final LongAdder msisDropped = counters.adder("directlpi.msi");
    // Bumped with the redistributor's monitor held: no atomic instruction on the MSI path.
    private final Counters.PerRedistributor msis;
    private final Counters.PerRedistributor msisCoalesced;
    private final Counters.PerRedistributor setlpirs;
    private final Counters.PerRedistributor setlpirsCoalesced;
    private final RegisterTable<Redistributor> registers;
    private final DirectLpiControls controls;
    /** The isolation policy, or {@code null} when isolation is off (the architecture). */
    private volatile IsolationPolicy isolation;
    /** Where the redistributors start, and how many there are: what {@link #doorbellCpu} decodes on every MSI. */
    private final long rdBase;
    private final int cpuCount;

    public DirectLpiExtension(GicCore gic, DirectLpiOptions options) {
        this.gic = gic;
        this.rdBase = gic.config().redistributorBase();
        this.cpuCount = gic.config().cpuCount();
        msis = counters.perRedistributor("directlpi.msi", cpuCount);
        msisCoalesced = counters.perRedistributor("directlpi.msi.coalesced", cpuCount);
        setlpirs = counters.perRedistributor("directlpi.setlpir", cpuCount);
        setlpirsCoalesced = counters.perRedistributor("directlpi.setlpir.coalesced", cpuCount);
        this.isolation = options.isolation() ? IsolationPolicy.of(options.allowed()) : null;
        this.registers = declareRegisters();
        this.controls = new DirectLpiControls(gic, this);
    }

    private RegisterTable<Redistributor> declareRegisters() {
        RegisterTable<Redistributor> t = new RegisterTable<>("RD_base", 0x10000);
        // 64-bit write-only registers that also take a 32-bit write of their low half, as the full
        // register with the upper half zero (a PCI MSI is a DWORD write; Linux on a 32-bit host uses
        // lo_hi_writeq). IMPDEF: a 32-bit write of the upper half alone has no effect; byte and halfword
        // writes are not permitted, and reads of these write-only registers read as zero (both reported
        // as guest errors by the table).
        int dw = RegisterTable.D | RegisterTable.W;
        t.reg("GICR_SETLPIR", GICR_SETLPIR, 8, dw, null, (rd, i, v) -> writeSetlpir(rd, v));
        t.reg("GICR_CLRLPIR", GICR_CLRLPIR, 8, dw, null, (rd, i, v) -> writeClrlpir(rd, v));
        t.reg("GICR_INVLPIR", GICR_INVLPIR, 8, dw, null, (rd, i, v) -> writeInvlpir(rd, v));
        t.reg("GICR_INVALLR", GICR_INVALLR, 8, dw, null, (rd, i, v) -> writeInvallr(rd, v));
        // IMPDEF: GICR_SYNCR.Busy always reads 0. Every SETLPIR, CLRLPIR, INVLPIR and INVALLR takes full
        // effect within the access that writes it (under the redistributor's monitor), so by the time software
        // can read SYNCR nothing is in progress, and the CONSTRAINED UNPREDICTABLE case of writing INVLPIR or
        // INVALLR while Busy = 1 cannot arise.
        t.reg("GICR_SYNCR", GICR_SYNCR, 4, RegisterTable.W, (rd, i) -> SYNCR_BUSY.of(0), null);
        return t;
    }

    // ---------------------------------------------------------------------------------------------
    // GicExtension

    @Override
    public String lpiMode() {
        return GicProvider.LPI_DIRECT;
    }

    @Override
    public long redistributorTyperBits() {
        return Redistributor.TYPER_DIRECT_LPI.of(1);
    }

    @Override
    public int redistributorCtlrBits() {
        return (int) Redistributor.CTLR_IR.of(1);
    }

    @Override
    public RegisterTable<Redistributor> redistributorRegisters() {
        return registers;
    }

    @Override
    public Optional<DirectLpi> directLpi() {
        return Optional.of(controls);
    }

    @Override
    public Map<String, Long> counters() {
        return counters.snapshot();
    }

    @Override
    public String diagnostics() {
        IsolationPolicy p = isolation;
        StringBuilder b = new StringBuilder("DirectLPI: no ITS; doorbells at GICR_SETLPIR of ")
            .append(gic.config().cpuCount()).append(" redistributors\n");
        b.append("isolation: ").append(p == null ? "off" : "on, " + p).append('\n');
        counters.snapshot().forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
        return b.toString();
    }

    // ---------------------------------------------------------------------------------------------
    // MSIs

    /**
     * A device's MSI. Under DirectLPI it is a write of the INTID to the target redistributor's
     * GICR_SETLPIR; any other address is not a doorbell of this back end. The requester DeviceID matters
     * only to the isolation policy, never to the architecture.
     */
    @Override
    public boolean msi(long address, int size, long data, int deviceId) {
        int cpu = doorbellCpu(address);
        if (cpu < 0) {
            return false;
        }
        // IMPDEF: an MSI doorbell write is 32-bit (a PCI MSI DWORD) or 64-bit; narrower ones are dropped.
        if (size != 4 && size != 8) {
            msisDropped.increment();
            drop("badSize", String.format("MSI of %d bytes from DeviceID %d to GICR%d's GICR_SETLPIR dropped:"
                + " only 4- and 8-byte writes are doorbell writes", size, deviceId, cpu));
            return true;
        }
        // IMPDEF: bits [63:32] of a 64-bit write are RES0 and ignored.
        int intid = INTID.getInt(data);
        IsolationPolicy policy = isolation;
        if (policy != null && !policy.allows(deviceId, intid)) {
            msisDropped.increment();
            drop("isolation", String.format("MSI of INTID %s from DeviceID %d to GICR%d's GICR_SETLPIR denied by"
                + " the isolation policy", Integer.toUnsignedString(intid), deviceId, cpu));
            return true;
        }
        Redistributor rd = gic.redistributor(cpu);
        Ignored why;
        synchronized (rd) {
            msis.increment(cpu);
            why = setPending(rd, intid, msisCoalesced);
        }
        if (why != null) {
            drop(why.reason(), String.format("MSI of INTID %s from DeviceID %d to %s's GICR_SETLPIR dropped: %s",
                Integer.toUnsignedString(intid), deviceId, rd.name(), why.explanation()));
        }
        return true;
    }

    /**
     * The CPU whose GICR_SETLPIR is at {@code address}, or -1. IMPDEF: only GICR_SETLPIR addresses are
     * doorbells; a device write to any other redistributor address is not this back end's to take.
     */
    private int doorbellCpu(long address) {
        if (address < rdBase) {
            return -1;
        }
        long offset = address - rdBase;
        long cpu = offset / GicConfig.REDISTRIBUTOR_STRIDE;
        if (offset % GicConfig.REDISTRIBUTOR_STRIDE != GICR_SETLPIR || cpu >= cpuCount) {
            return -1;
        }
        return (int) cpu;
    }

    private void drop(String reason, String message) {
        counters.increment("directlpi.msi.dropped." + reason);
        gic.errors().report(BLOCK, message);
    }

    // ---------------------------------------------------------------------------------------------
    // Registers (handlers run with the redistributor's monitor held)

    /**
     * GICR_SETLPIR: makes the LPI pending on this redistributor. No effect while EnableLPIs is 0 (the
     * write is lost, not latched) or for an INTID outside the GICR_PROPBASER.IDbits range; a write for an
     * LPI already pending coalesces with it.
     */
    private void writeSetlpir(Redistributor rd, long value) {
        int intid = INTID.getInt(value); // IMPDEF: bits [63:32] are RES0 and ignored (also CLRLPIR, INVLPIR)
        Ignored why = setPending(rd, intid, setlpirsCoalesced);
        if (why != null) {
            ignored(rd, "GICR_SETLPIR", "setlpir", intid, why);
            return;
        }
        setlpirs.increment(rd.index());
    }

    /**
     * What a GICR_SETLPIR write of {@code intid} does, whether a CPU or a device (an MSI) writes it: makes
     * the LPI pending at {@code rd}, counting in {@code coalesced} a write that finds it pending already.
     * Returns why it had no effect, or {@code null}. Call with {@code rd}'s monitor held.
     */
    private static Ignored setPending(Redistributor rd, int intid, Counters.PerRedistributor coalesced) {
        Ignored why = ignoredBecause(rd, intid);
        if (why == null && rd.raiseLpiHeld(intid) == Redistributor.LPI_COALESCED) {
            coalesced.increment(rd.index());
        }
        return why;
    }

    /** GICR_CLRLPIR: clears the LPI's pending state on this redistributor; no effect if it is not pending. */
    private void writeClrlpir(Redistributor rd, long value) {
        int intid = INTID.getInt(value);
        Ignored why = ignoredBecause(rd, intid);
        if (why != null) {
            ignored(rd, "GICR_CLRLPIR", "clrlpir", intid, why);
            return;
        }
        counters.increment("directlpi.clrlpir");
        if (rd.clearLpiPending(intid)) {
            counters.increment("directlpi.clrlpir.cleared");
        }
    }

    /**
     * GICR_INVLPIR: re-reads the LPI's configuration byte through the core's invalidate entry point, so a
     * mask, unmask or priority change the guest wrote to the property table takes effect (a pending LPI is
     * re-evaluated; an acknowledged one is not affected).
     */
    private void writeInvlpir(Redistributor rd, long value) {
        int intid = INTID.getInt(value);
        if (V.isSet(value)) {
            // IMPDEF: V = 1 names a virtual LPI (GICv4.1); with no GICv4 the field is treated as RES0 in
            // effect: the write is ignored and reported.
            counters.increment("directlpi.invlpir.ignored.virtual");
            gic.errors().report(rd.name(), String.format("GICR_INVLPIR with V = 1 (vPEID %d, vINTID %s) ignored:"
                + " no GICv4 virtual LPIs", VPEID.getInt(value), Integer.toUnsignedString(intid)));
            return;
        }
        if (!rd.lpisEnabled()) {
            // Nothing is cached while EnableLPIs is 0: no effect, and nothing wrong.
            counters.increment("directlpi.invlpir.ignored.lpisDisabled");
            return;
        }
        Ignored why = ignoredBecause(rd, intid); // LPIs are enabled: null or out of range
        if (why != null) {
            ignored(rd, "GICR_INVLPIR", "invlpir", intid, why);
            return;
        }
        counters.increment("directlpi.invlpir");
        rd.invalidateLpi(intid);
    }

    /** GICR_INVALLR: re-reads the configuration of every LPI of this redistributor. */
    private void writeInvallr(Redistributor rd, long value) {
        if (V.isSet(value)) {
            // IMPDEF: as GICR_INVLPIR, V = 1 (all virtual LPIs of a vPE) is ignored and reported.
            counters.increment("directlpi.invallr.ignored.virtual");
            gic.errors().report(rd.name(), String.format("GICR_INVALLR with V = 1 (vPEID %d) ignored:"
                + " no GICv4 virtual LPIs", VPEID.getInt(value)));
            return;
        }
        if (!rd.lpisEnabled()) {
            counters.increment("directlpi.invallr.ignored.lpisDisabled");
            return;
        }
        counters.increment("directlpi.invallr");
        rd.invalidateAllLpis();
    }

    /**
     * Why a physical LPI write has no effect: {@code reason} names it in counters ({@code "lpisDisabled"},
     * {@code "outOfRange"}), {@code explanation} tells the guest-error report, with the LPI range as it was
     * when the write was refused (read under the redistributor's monitor).
     */
    record Ignored(String reason, String explanation) {
    }

    /**
     * Why a physical LPI write of {@code intid} to {@code rd} has no effect, or {@code null}. Call with
     * {@code rd}'s monitor held.
     */
    static Ignored ignoredBecause(Redistributor rd, int intid) {
        if (!rd.lpisEnabled()) {
            return new Ignored("lpisDisabled", "GICR_CTLR.EnableLPIs is 0");
        }
        if (!rd.lpis().inRange(intid)) {
            int limit = rd.lpis().limit();
            return new Ignored("outOfRange", limit > LpiState.FIRST
                ? "not an LPI of the GICR_PROPBASER.IDbits range " + LpiState.FIRST + ".." + (limit - 1)
                : "GICR_PROPBASER.IDbits leaves no LPIs");
        }
        return null;
    }

    /**
     * A write the architecture says has no effect. IMPDEF: it is also reported as a guest error (counter,
     * rate-limited log, host callback), since the guest lost an interrupt or named something that is no LPI.
     */
    private void ignored(Redistributor rd, String register, String key, int intid, Ignored why) {
        counters.increment("directlpi." + key + ".ignored." + why.reason());
        gic.errors().report(rd.name(), String.format("%s of INTID %s ignored: %s", register,
            Integer.toUnsignedString(intid), why.explanation()));
    }

    // ---------------------------------------------------------------------------------------------
    // Isolation and counters, for DirectLpiControls

    /** The isolation policy, or {@code null} when isolation is off. */
    public IsolationPolicy isolationPolicy() {
        return isolation;
    }

    void setIsolation(IsolationPolicy policy) {
        isolation = policy;
    }

    Counters counterSet() {
        return counters;
    }
}
