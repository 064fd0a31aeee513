package gic.core;

import static gic.core.RegOffsets.GICD_CTLR;
import static gic.core.TestGic.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.IccRegister;
import gic.core.redistributor.Redistributor;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Known redistributor and LPI bugs of QEMU's GICv3 (ITS.md 7, Q10 and Q11) as regression tests named for
 * the behaviour. Q12 (an LPI set while EnableLPIs = 0 is dropped; the last INTID of the GICR_PROPBASER
 * range is accepted and the next one refused) is pinned by {@link LpiTest}'s
 * {@code lpi_set_while_enable_lpis_is_clear_is_dropped_not_latched} and
 * {@code lpi_beyond_propbaser_idbits_is_dropped}.
 */
class AnchorBugsCoreTest {

    private GicCore gic;

    @AfterEach
    void close() {
        if (gic != null) {
            gic.close();
        }
    }

    /** One CPU awake with PMR 0xFF and Group 1 on, LPIs at {@code prios} configured, tables set, EnableLPIs = 1. */
    private void start(int[] lpis, int[] prios) {
        gic = TestGic.cpus(1).create();
        bringUpAllCpus(gic, 0xFF, GRP1);
        for (int i = 0; i < lpis.length; i++) {
            lpiConfig(gic, lpis[i], prios[i], true);
        }
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
    }

    private long read(IccRegister r) {
        return gic.cpu(0).read(r);
    }

    private void eoi(long intid) {
        gic.cpu(0).write(IccRegister.EOIR1, intid);
    }

    /**
     * ITS.md 7 Q10: QEMU's redistributor kept its highest pending LPI cached after that LPI was acknowledged,
     * so the guest was signalled an interrupt it then could not find ("irq N: nobody cared") and hung under
     * heavy MSI traffic. Here every acknowledge is followed by a fresh choice: ICC_HPPIR1_EL1, ICC_IAR1_EL1
     * and the IRQ line always name the next pending LPI (or none), through a long acknowledge storm and
     * when EnableLPIs goes 1 → 0 with LPIs pending.
     */
    @Test
    @DisplayName("Q10: after an acknowledge the next pending LPI is the highest (HPPIR1, IAR1, IRQ line)")
    void after_an_acknowledge_the_next_pending_lpi_is_chosen_and_signalled() {
        int a = 8200;
        int b = 8300;
        int c = 8400;
        start(new int[] {a, b, c}, new int[] {0x80, 0xA0, 0xA0});
        Redistributor rd = gic.redistributor(0);
        TestHost host = host(gic);
        rd.setLpiPending(c);
        rd.setLpiPending(b);
        rd.setLpiPending(a);
        assertEquals(a, read(IccRegister.HPPIR1));
        assertEquals(a, read(IccRegister.IAR1));
        assertEquals(b, read(IccRegister.HPPIR1), "the acknowledged LPI is no longer the highest pending");
        assertFalse(host.irq(0), "0xA0 cannot preempt the running 0x80");
        eoi(a);
        assertTrue(host.irq(0));
        assertEquals(b, read(IccRegister.IAR1));
        eoi(b);
        assertEquals(c, read(IccRegister.IAR1));
        eoi(c);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(IccRegister.HPPIR1));
        assertEquals(SPURIOUS, read(IccRegister.IAR1));

        // a storm: each round two LPIs, each taken exactly once, then nothing
        for (int round = 0; round < 10_000; round++) {
            int x = 8192 + round % 4000;
            rd.setLpiPending(b);
            rd.setLpiPending(x);
            lpiConfig(gic, x, 0xA0, true);
            rd.invalidateLpi(x);
            List<Integer> taken = drainGroup1(gic, 0);
            assertEquals(x < b ? List.of(x, b) : x == b ? List.of(b) : List.of(b, x), taken, "round " + round);
            assertFalse(host.irq(0));
        }

        // EnableLPIs 1 → 0 with LPIs pending: nothing is left to signal; they come back once re-enabled
        rd.setLpiPending(b);
        rd.setLpiPending(c);
        assertTrue(host.irq(0));
        disableLpis(gic, 0);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(IccRegister.HPPIR1));
        assertEquals(SPURIOUS, read(IccRegister.IAR1));
        programLpiTablesWithoutPtz(gic, 0, 15);
        enableLpis(gic, 0);
        assertEquals(List.of(b, c), drainGroup1(gic, 0));
    }

    /**
     * ITS.md 7 Q11: QEMU did not honour GICD_CTLR.EnableGrp1NS for LPIs. Here clearing EnableGrp1 with LPIs
     * pending lowers the IRQ line and makes ICC_IAR1_EL1 read 1023 while the LPIs stay pending; setting it
     * again signals them; after many such toggles each LPI is taken exactly once.
     */
    @Test
    @DisplayName("Q11: GICD_CTLR.EnableGrp1 gates pending LPIs both ways")
    void group_1_enable_gates_pending_lpis_both_ways() {
        start(new int[] {8200, 8300}, new int[] {0xA0, 0xA0});
        Redistributor rd = gic.redistributor(0);
        TestHost host = host(gic);
        rd.setLpiPending(8300);
        rd.setLpiPending(8200);
        for (int i = 0; i < 100; i++) {
            assertTrue(host.irq(0));
            Regs.gicd(gic, GICD_CTLR, 0b01); // EnableGrp1 = 0
            assertFalse(host.irq(0), "toggle " + i);
            assertEquals(SPURIOUS, read(IccRegister.IAR1));
            assertTrue(rd.isLpiPending(8200) && rd.isLpiPending(8300), "still pending");
            Regs.gicd(gic, GICD_CTLR, 0b11);
        }
        assertEquals(List.of(8200, 8300), drainGroup1(gic, 0));
        assertFalse(host.irq(0));
    }
}
