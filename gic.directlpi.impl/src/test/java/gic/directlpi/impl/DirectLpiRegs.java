package gic.directlpi.impl;

import static gic.core.TestGic.*;

import gic.api.Gic;
import gic.api.IccRegister;
import gic.core.GicCore;
import gic.core.Regs;
import gic.core.TestGic;
import java.util.Map;

/**
 * The DirectLPI registers as a guest writes them, and the machine most tests start from: a DirectLPI GIC
 * whose CPUs have woken, enabled Group 1 (ICC_PMR_EL1 = 0xF0) and enabled LPIs with one shared
 * property table (16 INTID bits) in which the first {@link #CONFIGURED} LPIs are enabled at priority 0xA0.
 */
final class DirectLpiRegs {

    static final long GICR_SETLPIR = 0x40;
    static final long GICR_CLRLPIR = 0x48;
    static final long GICR_INVLPIR = 0xA0;
    static final long GICR_INVALLR = 0xB0;
    static final long GICR_SYNCR = 0xC0;
    static final long GICR_CTLR = 0x0;
    static final long GICR_TYPER = 0x8;

    /** LPIs 8192 .. 8192 + CONFIGURED - 1 are enabled at priority {@link #PRIO} in the property table. */
    static final int CONFIGURED = 64;
    static final int PRIO = 0xA0;

    private DirectLpiRegs() {
    }

    /** A DirectLPI GIC of {@code cpus} CPUs on a strict (or lenient) test host, LPIs not yet enabled. */
    static GicCore create(int cpus, boolean lenient) {
        return TestGic.cpus(cpus).lenient(lenient).create(new DirectLpiGicProvider());
    }

    /** As {@link #create}, brought up with LPIs enabled on every CPU (see the class comment). */
    static GicCore machine(int cpus, boolean lenient) {
        return bringUp(create(cpus, lenient));
    }

    /** Brings {@code g} up as the class comment says. */
    static GicCore bringUp(GicCore g) {
        enableGroups(g);
        for (int id = LPI_BASE; id < LPI_BASE + CONFIGURED; id++) {
            lpiConfig(g, id, PRIO, true);
        }
        for (int c = 0; c < g.config().cpuCount(); c++) {
            wake(g, c);
            enableCpuInterface(g, c, 0xF0, GRP1);
            programLpiTables(g, c, 15);
            enableLpis(g, c);
        }
        return g;
    }

    /** 64-bit write of GICR_SETLPIR on CPU {@code cpu}'s redistributor. */
    static void setlpir(Gic g, int cpu, long intid) {
        Regs.gicr(g, cpu, GICR_SETLPIR, 8, intid);
    }

    static void clrlpir(Gic g, int cpu, long intid) {
        Regs.gicr(g, cpu, GICR_CLRLPIR, 8, intid);
    }

    static void invlpir(Gic g, int cpu, long value) {
        Regs.gicr(g, cpu, GICR_INVLPIR, 8, value);
    }

    static void invallr(Gic g, int cpu) {
        Regs.gicr(g, cpu, GICR_INVALLR, 8, 0);
    }

    static long syncr(Gic g, int cpu) {
        return Regs.gicr(g, cpu, GICR_SYNCR);
    }

    /** Polls GICR_SYNCR until Busy reads 0, as a guest driver does (bounded). */
    static void waitForSyncr(Gic g, int cpu) {
        for (int i = 0; i < 1_000_000; i++) {
            if ((syncr(g, cpu) & 1) == 0) {
                return;
            }
        }
        throw new AssertionError("GICR_SYNCR.Busy never cleared on CPU " + cpu);
    }

    static int iar1(Gic g, int cpu) {
        return (int) g.cpu(cpu).read(IccRegister.IAR1);
    }

    static int hppir1(Gic g, int cpu) {
        return (int) g.cpu(cpu).read(IccRegister.HPPIR1);
    }

    static void eoir1(Gic g, int cpu, int intid) {
        g.cpu(cpu).write(IccRegister.EOIR1, intid);
    }

    /** The counter {@code name}, 0 if it was never bumped. */
    static long counter(Gic g, String name) {
        Map<String, Long> c = g.counters();
        return c.getOrDefault(name, 0L);
    }

    /** Whether LPI {@code intid} is pending at CPU {@code cpu}'s redistributor. */
    static boolean pending(GicCore g, int cpu, int intid) {
        return g.redistributor(cpu).isLpiPending(intid);
    }
}
