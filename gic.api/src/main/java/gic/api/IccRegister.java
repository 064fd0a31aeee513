package gic.api;

/**
 * The AArch64 GICv3 CPU interface system registers at EL1 ({@code ICC_*_EL1}) with their
 * architectural MRS/MSR encodings (op0, op1, CRn, CRm, op2).
 *
 * <p>A host decodes a trapped system-register access with {@link #decode}; an encoding that is not
 * listed here is not a GIC register, and the host should raise its own UNDEFINED exception.
 */
public enum IccRegister {
    PMR(3, 0, 4, 6, 0, Access.RW),
    IAR0(3, 0, 12, 8, 0, Access.RO),
    EOIR0(3, 0, 12, 8, 1, Access.WO),
    HPPIR0(3, 0, 12, 8, 2, Access.RO),
    BPR0(3, 0, 12, 8, 3, Access.RW),
    AP0R0(3, 0, 12, 8, 4, Access.RW),
    AP0R1(3, 0, 12, 8, 5, Access.RW),
    AP0R2(3, 0, 12, 8, 6, Access.RW),
    AP0R3(3, 0, 12, 8, 7, Access.RW),
    AP1R0(3, 0, 12, 9, 0, Access.RW),
    AP1R1(3, 0, 12, 9, 1, Access.RW),
    AP1R2(3, 0, 12, 9, 2, Access.RW),
    AP1R3(3, 0, 12, 9, 3, Access.RW),
    DIR(3, 0, 12, 11, 1, Access.WO),
    RPR(3, 0, 12, 11, 3, Access.RO),
    SGI1R(3, 0, 12, 11, 5, Access.WO),
    ASGI1R(3, 0, 12, 11, 6, Access.WO),
    SGI0R(3, 0, 12, 11, 7, Access.WO),
    IAR1(3, 0, 12, 12, 0, Access.RO),
    EOIR1(3, 0, 12, 12, 1, Access.WO),
    HPPIR1(3, 0, 12, 12, 2, Access.RO),
    BPR1(3, 0, 12, 12, 3, Access.RW),
    CTLR(3, 0, 12, 12, 4, Access.RW),
    SRE(3, 0, 12, 12, 5, Access.RW),
    IGRPEN0(3, 0, 12, 12, 6, Access.RW),
    IGRPEN1(3, 0, 12, 12, 7, Access.RW);

    /** Whether the register can be read, written, or both. */
    public enum Access { RO, WO, RW }

    private static final IccRegister[] BY_ENCODING = new IccRegister[1 << 16];

    static {
        for (IccRegister r : values()) {
            BY_ENCODING[r.encoding()] = r;
        }
    }

    private final int op0;
    private final int op1;
    private final int crn;
    private final int crm;
    private final int op2;
    private final Access access;

    IccRegister(int op0, int op1, int crn, int crm, int op2, Access access) {
        this.op0 = op0;
        this.op1 = op1;
        this.crn = crn;
        this.crm = crm;
        this.op2 = op2;
        this.access = access;
    }

    /** The architectural name, for example {@code ICC_IAR1_EL1}. */
    public String architecturalName() {
        return "ICC_" + name() + "_EL1";
    }

    public Access access() {
        return access;
    }

    /** The 16-bit packed encoding {@code op0:op1:CRn:CRm:op2} (2:3:4:4:3 bits) used by MRS/MSR. */
    public int encoding() {
        return pack(op0, op1, crn, crm, op2);
    }

    /** Returns the register with this encoding, or {@code null} if it is not an EL1 GIC CPU interface register. */
    public static IccRegister decode(int op0, int op1, int crn, int crm, int op2) {
        if ((op0 & ~3) != 0 || (op1 & ~7) != 0 || (crn & ~15) != 0 || (crm & ~15) != 0 || (op2 & ~7) != 0) {
            return null;
        }
        return BY_ENCODING[pack(op0, op1, crn, crm, op2)];
    }

    private static int pack(int op0, int op1, int crn, int crm, int op2) {
        return op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2;
    }
}
