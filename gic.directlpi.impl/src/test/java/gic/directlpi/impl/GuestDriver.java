package gic.directlpi.impl;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GuestMemory;
import gic.api.IccRegister;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A DirectLPI-aware guest driver, written the way an OS would drive a GICv3 with LPIs and no ITS, using
 * nothing but MMIO, system registers and guest RAM (no model internals):
 *
 * <ul>
 * <li>probe: GICD_TYPER (LPIS, IDbits), each redistributor's GICR_PIDR2 and GICR_TYPER (DirectLPI,
 *     affinity, Last);</li>
 * <li>LPI bring-up: one property table for all redistributors, a zeroed pending table each,
 *     GICR_PROPBASER / GICR_PENDBASER, GICR_CTLR.EnableLPIs;</li>
 * <li>MSI vectors: a naturally aligned block of INTIDs whose message is (the target CPU's GICR_SETLPIR,
 *     INTID), enabled in the property table and made visible with GICR_INVLPIR + a GICR_SYNCR poll;</li>
 * <li>mask, unmask and priority: the configuration byte, then GICR_INVLPIR on the redistributor the LPI
 *     targets, then GICR_SYNCR until Busy is 0;</li>
 * <li>affinity: the retargeting procedure of the README, guest side (mask at the device, new address,
 *     SETLPIR on the new redistributor, CLRLPIR on the old one, SYNCR, unmask);</li>
 * <li>the CPU's interrupt entry: ICC_IAR1_EL1 until 1023, ICC_EOIR1_EL1 after each handler.</li>
 * </ul>
 */
final class GuestDriver {

    static final long GICD_CTLR = 0x0000;
    static final long GICD_TYPER = 0x0004;
    static final long GICR_CTLR = 0x0000;
    static final long GICR_TYPER = 0x0008;
    static final long GICR_WAKER = 0x0014;
    static final long GICR_SETLPIR = 0x0040;
    static final long GICR_CLRLPIR = 0x0048;
    static final long GICR_PROPBASER = 0x0070;
    static final long GICR_PENDBASER = 0x0078;
    static final long GICR_INVLPIR = 0x00A0;
    static final long GICR_SYNCR = 0x00C0;
    static final long GICR_PIDR2 = 0xFFE8;
    static final int LPI_PROP_GROUP1 = 1 << 1;
    static final int LPI_PROP_ENABLED = 1;
    static final int DEFAULT_PRIO = 0xA0;

    private final Gic gic;
    private final GuestMemory ram;
    private long nextFree;
    private int idBits;
    private long propTable;
    private int nextLpi = 8192;
    private final Map<Integer, Integer> targetOf = new HashMap<>();
    private final Map<Integer, Integer> priorityOf = new HashMap<>();

    /** A driver for {@code gic}, allocating its tables from guest RAM at {@code freeRam} upwards. */
    GuestDriver(Gic gic, GuestMemory ram, long freeRam) {
        this.gic = gic;
        this.ram = ram;
        this.nextFree = freeRam;
    }

    // ---------------------------------------------------------------------------------------------
    // Probe and bring-up

    /** Probes the GIC; fails unless every redistributor advertises DirectLPI. Returns the CPU count found. */
    int probe() {
        long typer = gicd(GICD_TYPER);
        check((typer >>> 17 & 1) == 1, "GICD_TYPER.LPIS");
        idBits = Math.min((int) (typer >>> 19 & 0x1F) + 1, 16); // as Linux: at most 16 LPI ID bits
        int n = 0;
        for (long rd = gic.config().redistributorBase(); ; rd += GicConfig.REDISTRIBUTOR_STRIDE) {
            check((read(rd + GICR_PIDR2, 4) >>> 4 & 0xF) == 3, "GICR_PIDR2.ArchRev = 3");
            long rtyper = read(rd + GICR_TYPER, 8);
            check((rtyper >>> 3 & 1) == 1, "GICR_TYPER.DirectLPI of redistributor " + n);
            check((rtyper & 1) == 1, "GICR_TYPER.PLPIS of redistributor " + n);
            check((int) (rtyper >>> 32) == gic.config().cpuAffinities().get(n), "affinity of redistributor " + n);
            n++;
            if ((rtyper >>> 4 & 1) == 1) {
                return n;
            }
        }
    }

    /** GICD_CTLR groups, then per CPU: wake the redistributor, LPI tables, EnableLPIs, CPU interface. */
    void bringUp(int cpus) {
        gicdWrite(GICD_CTLR, 0b11);
        long propSize = 1L << idBits; // as Linux: 2^idBits bytes, of which the first 8 KiB are unused
        propTable = allocate(propSize);
        for (long off = 0; off < propSize; off++) {
            ram.store(propTable + off, 1, DEFAULT_PRIO | LPI_PROP_GROUP1); // disabled
        }
        for (int c = 0; c < cpus; c++) {
            long rd = rdBase(c);
            write(rd + GICR_WAKER, 4, 0);
            for (int i = 0; i < 1000 && (read(rd + GICR_WAKER, 4) & 0b100) != 0; i++) {
                Thread.onSpinWait();
            }
            long pend = allocate(Math.max(1L << idBits >>> 3, 0x1_0000));
            // InnerShareable, RaWaWb, as Linux writes them; IDbits = INTID bits - 1.
            write(rd + GICR_PROPBASER, 8, propTable | 1L << 10 | 7L << 7 | (idBits - 1));
            write(rd + GICR_PENDBASER, 8, pend | 1L << 10 | 7L << 7);
            write(rd + GICR_CTLR, 4, read(rd + GICR_CTLR, 4) | 1);
            check((read(rd + GICR_CTLR, 4) & 1) == 1, "EnableLPIs of CPU " + c);
            gic.cpu(c).write(IccRegister.PMR, 0xF0);
            gic.cpu(c).write(IccRegister.IGRPEN1, 1);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // MSI vectors

    /** The MSI message of one vector: the doorbell address and the data. */
    record Msi(long address, int data) {
    }

    /**
     * Allocates {@code count} (a power of two) LPIs for a device, naturally aligned so that
     * {@code data | k} stays inside the block (multi-MSI), targets them at {@code cpu}, enables them, and
     * returns the first INTID.
     */
    int allocateVectors(int count, int cpu) {
        int first = (nextLpi + count - 1) & -count;
        nextLpi = first + count;
        for (int k = 0; k < count; k++) {
            targetOf.put(first + k, cpu);
            priorityOf.put(first + k, DEFAULT_PRIO);
            unmask(first + k);
        }
        return first;
    }

    /** The message a device must send for {@code intid} now. */
    Msi message(int intid) {
        return new Msi(rdBase(targetOf.get(intid)) + GICR_SETLPIR, intid);
    }

    int targetOf(int intid) {
        return targetOf.get(intid);
    }

    void mask(int intid) {
        writeConfig(intid, false);
    }

    void unmask(int intid) {
        writeConfig(intid, true);
    }

    void setPriority(int intid, int priority) {
        priorityOf.put(intid, priority);
        writeConfig(intid, (ram.load(propTable + intid - 8192, 1).getAsLong() & LPI_PROP_ENABLED) != 0);
    }

    /** The configuration byte, then INVLPIR on the redistributor the LPI targets, then SYNCR. */
    private void writeConfig(int intid, boolean enabled) {
        int config = priorityOf.get(intid) | LPI_PROP_GROUP1 | (enabled ? LPI_PROP_ENABLED : 0);
        ram.store(propTable + intid - 8192, 1, config);
        int cpu = targetOf.get(intid);
        write(rdBase(cpu) + GICR_INVLPIR, 8, intid);
        waitForSyncr(cpu);
    }

    /**
     * Moves {@code intid} to {@code newCpu} with registers only (the guest cannot read its pending
     * state): the device is masked and given the new address, the LPI is set at the new redistributor
     * unconditionally and then cleared at the old one, whose SYNCR is then awaited; the device is unmasked.
     * Costs a spurious interrupt on the new CPU when nothing was pending.
     */
    void setAffinity(int intid, int newCpu, MsiDevice device, int vector) {
        int old = targetOf.get(intid);
        if (old == newCpu) {
            return;
        }
        device.mask(vector);
        targetOf.put(intid, newCpu);
        // The LPI's configuration is cached per redistributor: make the new one's current first.
        write(rdBase(newCpu) + GICR_INVLPIR, 8, intid);
        waitForSyncr(newCpu);
        device.program(vector, message(intid));
        write(rdBase(newCpu) + GICR_SETLPIR, 8, intid);
        write(rdBase(old) + GICR_CLRLPIR, 8, intid);
        waitForSyncr(old);
        device.unmask(vector);
    }

    /** Records a move done by the host helper ({@code DirectLpi.retarget}) instead of {@link #setAffinity}. */
    void targetMovedByHost(int intid, int newCpu) {
        targetOf.put(intid, newCpu);
        write(rdBase(newCpu) + GICR_INVLPIR, 8, intid);
        waitForSyncr(newCpu);
    }

    // ---------------------------------------------------------------------------------------------
    // Interrupt entry

    /** The CPU's IRQ handler: acknowledge until 1023, run the handler, EOI. Returns the INTIDs taken. */
    List<Integer> irq(int cpu) {
        List<Integer> taken = new ArrayList<>();
        for (int guard = 0; guard < 10_000; guard++) {
            int id = (int) gic.cpu(cpu).read(IccRegister.IAR1);
            if (id == 1023) {
                return taken;
            }
            taken.add(id);
            gic.cpu(cpu).write(IccRegister.EOIR1, id);
        }
        throw new AssertionError("IAR1 never ran dry on CPU " + cpu);
    }

    // ---------------------------------------------------------------------------------------------

    private void waitForSyncr(int cpu) {
        for (int i = 0; i < 1_000_000; i++) {
            if ((read(rdBase(cpu) + GICR_SYNCR, 4) & 1) == 0) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("GICR_SYNCR.Busy stuck on CPU " + cpu);
    }

    private long allocate(long size) {
        long at = (nextFree + 0xFFFF) & ~0xFFFFL; // 64 KiB aligned (PENDBASER needs it)
        nextFree = at + size;
        for (long off = 0; off < size; off += 8) {
            ram.store(at + off, 8, 0);
        }
        return at;
    }

    private long rdBase(int cpu) {
        return gic.config().redistributorBase() + GicConfig.REDISTRIBUTOR_STRIDE * cpu;
    }

    private long gicd(long off) {
        return read(gic.config().distributorBase() + off, 4);
    }

    private void gicdWrite(long off, long v) {
        write(gic.config().distributorBase() + off, 4, v);
    }

    private long read(long address, int size) {
        var r = gic.regionAt(address);
        check(r != null, "MMIO at 0x" + Long.toHexString(address));
        return r.read(address - r.base(), size);
    }

    private void write(long address, int size, long value) {
        var r = gic.regionAt(address);
        check(r != null, "MMIO at 0x" + Long.toHexString(address));
        r.write(address - r.base(), size, value);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("probe failed: " + what);
        }
    }

    /**
     * A PCI-style MSI-X device: one message per vector, a per-vector mask, and a pending bit (PBA) that
     * holds an interrupt raised while masked and sends it on unmask. Every message is a 32-bit write
     * carrying the device's requester ID.
     */
    static final class MsiDevice {
        private final Gic gic;
        private final int deviceId;
        private final Msi[] messages;
        private final boolean[] masked;
        private final boolean[] pendingBit;

        MsiDevice(Gic gic, int deviceId, int vectors) {
            this.gic = gic;
            this.deviceId = deviceId;
            this.messages = new Msi[vectors];
            this.masked = new boolean[vectors];
            this.pendingBit = new boolean[vectors];
        }

        void program(int vector, Msi message) {
            messages[vector] = message;
        }

        Msi message(int vector) {
            return messages[vector];
        }

        /** The device has an event on {@code vector}. */
        void fire(int vector) {
            if (masked[vector]) {
                pendingBit[vector] = true;
            } else {
                send(vector);
            }
        }

        void mask(int vector) {
            masked[vector] = true;
        }

        void unmask(int vector) {
            masked[vector] = false;
            if (pendingBit[vector]) {
                pendingBit[vector] = false;
                send(vector);
            }
        }

        private void send(int vector) {
            Msi m = messages[vector];
            if (!gic.msi(m.address(), 4, m.data(), deviceId)) {
                throw new AssertionError("MSI address 0x" + Long.toHexString(m.address()) + " is no GIC doorbell");
            }
        }
    }
}
