package gic.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One PE's GICv3 CPU interface, accessed through its {@code ICC_*_EL1} system registers.
 *
 * <p>Normally called from the vCPU thread of that PE. Reading {@link IccRegister#IAR1} acknowledges the
 * highest-priority pending Group 1 interrupt (1023 if none can be taken); writing
 * {@link IccRegister#EOIR1} drops its priority, and deactivates it unless {@code ICC_CTLR_EL1.EOImode}
 * is 1. Reads of write-only registers return 0 and writes to read-only ones are ignored; both are counted
 * as guest errors.
 */
@ProviderType
public interface CpuInterface {

    /** The CPU index (the position of this CPU in {@link GicConfig#cpuAffinities()}). */
    int index();

    /** MRS: reads a register; side effects (acknowledge on IAR) happen here. */
    long read(IccRegister register);

    /** MSR: writes a register; side effects (EOI, SGI generation) happen here. */
    void write(IccRegister register, long value);

    /** MRS by encoding. An encoding that is not an {@link IccRegister} reads as 0 and is counted as a guest error. */
    default long readSysReg(int op0, int op1, int crn, int crm, int op2) {
        IccRegister r = IccRegister.decode(op0, op1, crn, crm, op2);
        return r == null ? unknownSysReg(op0, op1, crn, crm, op2, false) : read(r);
    }

    /** MSR by encoding. An encoding that is not an {@link IccRegister} is ignored and counted as a guest error. */
    default void writeSysReg(int op0, int op1, int crn, int crm, int op2, long value) {
        IccRegister r = IccRegister.decode(op0, op1, crn, crm, op2);
        if (r == null) {
            unknownSysReg(op0, op1, crn, crm, op2, true);
        } else {
            write(r, value);
        }
    }

    /** Records an access to an encoding that is not an ICC register; returns the read value (0). */
    long unknownSysReg(int op0, int op1, int crn, int crm, int op2, boolean write);
}
