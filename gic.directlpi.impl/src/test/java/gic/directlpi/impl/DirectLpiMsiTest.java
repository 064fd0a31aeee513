package gic.directlpi.impl;

import static gic.core.TestGic.*;
import static gic.directlpi.impl.DirectLpiRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.DirectLpi;
import gic.api.GicConfig;
import gic.core.GicCore;
import gic.core.Regs;
import gic.core.TestGic;
import gic.core.TestHost;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A device's MSI under DirectLPI: a write of the INTID to the target redistributor's GICR_SETLPIR,
 * arriving through {@code Gic.msi} with the requester's DeviceID, and the same architectural rules as a
 * CPU's write of that register.
 */
class DirectLpiMsiTest {

    private GicCore gic;

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    private TestHost host() {
        return TestGic.host(gic);
    }

    private DirectLpi direct() {
        return gic.directLpi().orElseThrow();
    }

    @Test
    void the_doorbell_of_each_cpu_is_its_redistributors_setlpir() {
        gic = create(4, false);
        for (int c = 0; c < 4; c++) {
            assertEquals(GicConfig.VIRT_GICR_BASE + 0x20000L * c + 0x40, direct().setLpirAddress(c));
            assertEquals(Regs.rdBase(gic, c) + GICR_SETLPIR, direct().setLpirAddress(c));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> direct().setLpirAddress(4));
        assertThrows(IndexOutOfBoundsException.class, () -> direct().setLpirAddress(-1));
    }

    @Test
    void an_msi_to_a_cpus_setlpir_sets_the_lpi_pending_there_and_that_cpu_takes_it() {
        gic = machine(4, false);
        for (int c = 0; c < 4; c++) {
            assertTrue(gic.msi(direct().setLpirAddress(c), 4, 8192 + c, 0x10 + c));
        }
        for (int c = 0; c < 4; c++) {
            assertTrue(host().irq(c));
            assertEquals(List.of(8192 + c), drainGroup1(gic, c), "CPU " + c);
        }
        assertEquals(4, counter(gic, "directlpi.msi"));
    }

    @Test
    void an_msi_may_be_a_64_bit_write_whose_upper_half_is_ignored() {
        gic = machine(1, false);
        assertTrue(gic.msi(direct().setLpirAddress(0), 8, 0xABCD_0000_0000_0000L | 8200, 1));
        assertEquals(List.of(8200), drainGroup1(gic, 0));
    }

    @Test
    void an_msi_of_another_size_is_dropped_counted_and_reported() {
        gic = machine(1, true);
        assertTrue(gic.msi(direct().setLpirAddress(0), 2, 8200, 1), "still the doorbell's address");
        assertTrue(gic.msi(direct().setLpirAddress(0), 1, 8, 1));
        assertFalse(pending(gic, 0, 8200));
        assertEquals(2, counter(gic, "directlpi.msi.dropped.badSize"));
        assertEquals(2, host().guestErrors().size());
    }

    @Test
    void addresses_other_than_a_setlpir_are_no_doorbell() {
        gic = machine(2, false);
        long rd1 = Regs.rdBase(gic, 1);
        assertFalse(gic.msi(rd1 + GICR_CLRLPIR, 4, 8200, 1));
        assertFalse(gic.msi(rd1 + GICR_SETLPIR + 4, 4, 8200, 1), "the upper half of GICR_SETLPIR");
        assertFalse(gic.msi(rd1 + 0x1_0000 + GICR_SETLPIR, 4, 8200, 1), "the same offset in SGI_base");
        assertFalse(gic.msi(Regs.rdBase(gic, 0) + 2 * GicConfig.REDISTRIBUTOR_STRIDE + GICR_SETLPIR, 4, 8200, 1),
            "past the last redistributor");
        assertFalse(gic.msi(RAM_BASE, 4, 8200, 1));
        assertFalse(gic.msi(-1L, 4, 8200, 1));
        assertFalse(pending(gic, 1, 8200));
        assertEquals(0, counter(gic, "directlpi.msi"));
    }

    @Test
    void an_msi_to_gicd_setspi_nsr_still_raises_an_spi() {
        gic = machine(1, false);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        assertTrue(gic.msi(GicConfig.VIRT_GICD_BASE + 0x40, 4, 40, 1));
        assertEquals(List.of(40), drainGroup1(gic, 0));
    }

    @Test
    void an_msi_while_enable_lpis_is_0_is_dropped_counted_and_reported() {
        gic = create(2, true);
        bringUp(gic);
        disableLpis(gic, 1);
        assertTrue(gic.msi(direct().setLpirAddress(1), 4, 8200, 7));
        assertEquals(1, counter(gic, "directlpi.msi.dropped.lpisDisabled"));
        assertTrue(host().guestErrors().get(0).contains("EnableLPIs is 0"), host().guestErrors().toString());
        Regs.gicr(gic, 1, 0x78, 8, pendTable(1)); // read the pending table back on enable
        enableLpis(gic, 1);
        assertFalse(pending(gic, 1, 8200), "lost, not latched");
    }

    @Test
    void an_msi_for_an_intid_outside_the_range_is_dropped_counted_and_reported() {
        gic = machine(1, true);
        assertTrue(gic.msi(direct().setLpirAddress(0), 4, 1 << 16, 7));
        assertTrue(gic.msi(direct().setLpirAddress(0), 4, 33, 7));
        assertEquals(2, counter(gic, "directlpi.msi.dropped.outOfRange"));
        assertEquals(SPURIOUS, iar1(gic, 0));
    }

    @Test
    void an_msi_for_an_lpi_already_pending_coalesces_with_it() {
        gic = machine(1, false);
        long doorbell = direct().setLpirAddress(0);
        gic.msi(doorbell, 4, 8200, 1);
        gic.msi(doorbell, 4, 8200, 2);
        gic.msi(doorbell, 4, 8201, 1);
        assertEquals(List.of(8200, 8201), drainGroup1(gic, 0));
        assertEquals(3, counter(gic, "directlpi.msi"));
        assertEquals(1, counter(gic, "directlpi.msi.coalesced"));
    }

    @Test
    void a_masked_lpi_raised_by_msi_stays_pending_until_unmasked_with_invlpir() {
        gic = machine(1, false);
        lpiConfig(gic, 8200, PRIO, false);
        invlpir(gic, 0, 8200);
        waitForSyncr(gic, 0);
        gic.msi(direct().setLpirAddress(0), 4, 8200, 1);
        assertFalse(host().irq(0));
        lpiConfig(gic, 8200, PRIO, true);
        invlpir(gic, 0, 8200);
        waitForSyncr(gic, 0);
        assertEquals(List.of(8200), drainGroup1(gic, 0));
    }

    @Test
    void a_closed_gic_takes_no_msi() {
        gic = machine(1, false);
        long doorbell = direct().setLpirAddress(0);
        gic.close();
        assertFalse(gic.msi(doorbell, 4, 8200, 1));
        assertFalse(host().irq(0));
    }

    @Test
    void msis_and_cpu_writes_of_setlpir_are_counted_apart() {
        gic = machine(1, false);
        gic.msi(direct().setLpirAddress(0), 4, 8200, 1);
        setlpir(gic, 0, 8201);
        assertEquals(1, counter(gic, "directlpi.msi"));
        assertEquals(1, counter(gic, "directlpi.setlpir"));
        assertTrue(gic.diagnostics().contains("isolation: off"), gic.diagnostics());
    }
}
