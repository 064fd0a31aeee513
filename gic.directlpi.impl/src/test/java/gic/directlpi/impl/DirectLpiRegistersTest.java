package gic.directlpi.impl;

import static gic.core.TestGic.*;
import static gic.directlpi.impl.DirectLpiRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicConfig;
import gic.api.IccRegister;
import gic.api.ItsConfig;
import gic.core.GicCore;
import gic.core.Regs;
import gic.core.TestGic;
import gic.core.TestHost;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The DirectLPI registers of every redistributor (IHI 0069 GICR_SETLPIR, GICR_CLRLPIR, GICR_INVLPIR,
 * GICR_INVALLR, GICR_SYNCR) and the capability bits that advertise them (GICR_TYPER.DirectLPI,
 * GICR_CTLR.IR), written by a CPU through MMIO.
 */
class DirectLpiRegistersTest {

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

    // ---------------------------------------------------------------------------------------------
    // Capability bits

    @Test
    void typer_advertises_direct_lpi_and_physical_lpis_on_every_redistributor() {
        gic = create(4, false);
        for (int c = 0; c < 4; c++) {
            long typer = Regs.gicrRead(gic, c, GICR_TYPER, 8);
            assertEquals(1, typer >>> 3 & 1, "GICR_TYPER.DirectLPI of CPU " + c);
            assertEquals(1, typer & 1, "GICR_TYPER.PLPIS of CPU " + c);
            assertEquals(c == 3 ? 1 : 0, typer >>> 4 & 1, "GICR_TYPER.Last of CPU " + c);
            assertEquals(1, Regs.gicr(gic, c, GICR_TYPER) >>> 3 & 1, "DirectLPI in a 32-bit read of the low half");
        }
    }

    @Test
    void ctlr_advertises_ir_on_every_redistributor_and_ir_is_read_only() {
        gic = create(2, false);
        for (int c = 0; c < 2; c++) {
            assertEquals(1, Regs.gicr(gic, c, GICR_CTLR) >>> 2 & 1, "GICR_CTLR.IR of CPU " + c);
        }
        programLpiTables(gic, 0, 15);
        Regs.gicr(gic, 0, GICR_CTLR, 1); // EnableLPIs with IR written as 0
        assertEquals(0b111, Regs.gicr(gic, 0, GICR_CTLR) & 0b111, "EnableLPIs | CES | IR");
        Regs.gicr(gic, 0, GICR_CTLR, 0);
        assertEquals(0b110, Regs.gicr(gic, 0, GICR_CTLR) & 0b111, "IR stays 1 when EnableLPIs is cleared");
    }

    @Test
    void no_its_frame_is_exposed_even_when_the_configuration_lists_itses() {
        ItsConfig its = new ItsConfig(GicConfig.VIRT_ITS_BASE, 16, 16, false);
        gic = TestGic.cpus(2).itses(List.of(its)).create(new DirectLpiGicProvider());
        assertEquals(List.of("GICD", "GICR"), gic.regions().stream().map(r -> r.name()).toList());
        assertEquals(null, gic.regionAt(its.base()));
        assertFalse(gic.msi(its.translaterAddress(), 4, 0, 1), "GITS_TRANSLATER is no doorbell here");
        assertEquals(List.of(its), gic.config().itses(), "carried for a later ITS-backed restore");
        assertEquals("directlpi", gic.lpiMode());
        assertTrue(gic.directLpi().isPresent());
    }

    // ---------------------------------------------------------------------------------------------
    // GICR_SETLPIR

    @Test
    void setlpir_makes_the_lpi_pending_and_the_cpu_takes_it() {
        gic = machine(2, false);
        setlpir(gic, 1, 8200);
        assertTrue(pending(gic, 1, 8200));
        assertTrue(host().irq(1));
        assertFalse(host().irq(0), "only the redistributor written to");
        assertEquals(8200, iar1(gic, 1));
        assertFalse(pending(gic, 1, 8200), "acknowledge clears the pending state");
        eoir1(gic, 1, 8200);
        assertEquals(SPURIOUS, iar1(gic, 1));
        assertEquals(1, counter(gic, "directlpi.setlpir"));
    }

    @Test
    void setlpir_acts_only_on_its_own_redistributor() {
        gic = machine(3, false);
        setlpir(gic, 2, 8195);
        assertFalse(pending(gic, 0, 8195));
        assertFalse(pending(gic, 1, 8195));
        assertTrue(pending(gic, 2, 8195));
        assertEquals(SPURIOUS, iar1(gic, 0));
        assertEquals(8195, iar1(gic, 2));
    }

    @Test
    void setlpir_takes_a_32_bit_write_of_its_low_half_as_the_full_register() {
        gic = machine(1, false);
        Regs.gicr(gic, 0, GICR_SETLPIR, 4, 8201);
        assertTrue(pending(gic, 0, 8201));
    }

    @Test
    void a_32_bit_write_of_the_upper_half_of_setlpir_has_no_effect() {
        gic = machine(1, false);
        Regs.gicr(gic, 0, GICR_SETLPIR + 4, 4, 8201);
        assertFalse(pending(gic, 0, 8201));
        assertFalse(host().irq(0));
        assertEquals(List.of(), host().guestErrors());
    }

    @Test
    void setlpir_ignores_the_res0_upper_half_of_a_64_bit_write() {
        gic = machine(1, false);
        setlpir(gic, 0, 0xFFFF_0000_0000_0000L | 8202);
        assertTrue(pending(gic, 0, 8202));
    }

    @Test
    void setlpir_is_ignored_while_enable_lpis_is_0() {
        gic = create(1, true);
        enableGroups(gic);
        lpiConfig(gic, 8200, PRIO, true);
        wake(gic, 0);
        enableCpuInterface(gic, 0, 0xF0, GRP1);
        programLpiTables(gic, 0, 15);
        setlpir(gic, 0, 8200);
        assertEquals(1, counter(gic, "directlpi.setlpir.ignored.lpisDisabled"));
        assertTrue(host().guestErrors().get(0).contains("EnableLPIs is 0"), host().guestErrors().toString());

        enableLpis(gic, 0);
        assertFalse(pending(gic, 0, 8200), "the write is lost, not latched");
        assertFalse(host().irq(0));
        assertEquals(SPURIOUS, iar1(gic, 0));
    }

    @Test
    void setlpir_is_ignored_for_an_intid_outside_the_propbaser_range() {
        gic = create(1, true);
        bringUpWithIdBits(13); // 14 INTID bits: LPIs 8192..16383
        setlpir(gic, 0, 16383);
        assertTrue(pending(gic, 0, 16383), "the last LPI of the range");
        setlpir(gic, 0, 16384);
        assertFalse(pending(gic, 0, 16384));
        setlpir(gic, 0, 8191);
        setlpir(gic, 0, 0xFFFF_FFFFL);
        assertEquals(3, counter(gic, "directlpi.setlpir.ignored.outOfRange"));
        assertEquals(3, host().guestErrors().size());
    }

    @Test
    void setlpir_of_an_spi_intid_does_not_touch_the_spi() {
        gic = create(1, true);
        bringUpWithIdBits(15);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        setlpir(gic, 0, 40);
        assertFalse(spiPending(gic, 40));
        assertEquals(SPURIOUS, iar1(gic, 0));
        assertEquals(1, counter(gic, "directlpi.setlpir.ignored.outOfRange"));
    }

    @Test
    void setlpir_on_an_already_pending_lpi_is_harmless_and_coalesces() {
        gic = machine(1, false);
        setlpir(gic, 0, 8200);
        setlpir(gic, 0, 8200);
        setlpir(gic, 0, 8200);
        assertEquals(List.of(8200), drainGroup1(gic, 0));
        assertEquals(3, counter(gic, "directlpi.setlpir"));
        assertEquals(2, counter(gic, "directlpi.setlpir.coalesced"));
        setlpir(gic, 0, 8200);
        assertEquals(List.of(8200), drainGroup1(gic, 0), "a new raise after the acknowledge is a new interrupt");
    }

    @Test
    void setlpir_on_an_lpi_disabled_in_the_property_table_pends_it_without_delivery() {
        gic = machine(1, false);
        int masked = LPI_BASE + CONFIGURED; // not configured: Enable = 0
        setlpir(gic, 0, masked);
        assertTrue(pending(gic, 0, masked));
        assertFalse(host().irq(0));
        assertEquals(SPURIOUS, hppir1(gic, 0));
    }

    // ---------------------------------------------------------------------------------------------
    // GICR_CLRLPIR

    @Test
    void clrlpir_clears_a_pending_lpi_and_lowers_the_irq_line() {
        gic = machine(1, false);
        setlpir(gic, 0, 8200);
        assertTrue(host().irq(0));
        clrlpir(gic, 0, 8200);
        assertFalse(pending(gic, 0, 8200));
        assertFalse(host().irq(0));
        assertEquals(SPURIOUS, iar1(gic, 0));
        assertEquals(1, counter(gic, "directlpi.clrlpir.cleared"));
    }

    @Test
    void clrlpir_of_an_lpi_that_is_not_pending_has_no_effect_and_is_no_error() {
        gic = machine(1, false);
        setlpir(gic, 0, 8201);
        clrlpir(gic, 0, 8200);
        assertTrue(pending(gic, 0, 8201), "other LPIs untouched");
        assertEquals(1, counter(gic, "directlpi.clrlpir"));
        assertEquals(0, counter(gic, "directlpi.clrlpir.cleared"));
    }

    @Test
    void clrlpir_acts_only_on_its_own_redistributor() {
        gic = machine(2, false);
        setlpir(gic, 0, 8200);
        setlpir(gic, 1, 8200);
        clrlpir(gic, 1, 8200);
        assertTrue(pending(gic, 0, 8200));
        assertFalse(pending(gic, 1, 8200));
    }

    @Test
    void clrlpir_takes_a_32_bit_write_of_its_low_half() {
        gic = machine(1, false);
        setlpir(gic, 0, 8200);
        Regs.gicr(gic, 0, GICR_CLRLPIR, 4, 8200);
        assertFalse(pending(gic, 0, 8200));
    }

    @Test
    void clrlpir_is_ignored_while_enable_lpis_is_0() {
        gic = machine(1, true);
        setlpir(gic, 0, 8200);
        disableLpis(gic, 0);
        assertTrue(pendingTableBit(gic, 0, 8200), "written back to the pending table on disable");
        clrlpir(gic, 0, 8200);
        assertEquals(1, counter(gic, "directlpi.clrlpir.ignored.lpisDisabled"));
        Regs.gicr(gic, 0, 0x78, 8, pendTable(0)); // PENDBASER without PTZ: read the table back
        enableLpis(gic, 0);
        assertTrue(pending(gic, 0, 8200), "the clear had no effect");
    }

    @Test
    void clrlpir_is_ignored_for_an_intid_outside_the_propbaser_range() {
        gic = create(1, true);
        bringUpWithIdBits(13);
        clrlpir(gic, 0, 16384);
        clrlpir(gic, 0, 100);
        assertEquals(2, counter(gic, "directlpi.clrlpir.ignored.outOfRange"));
    }

    // ---------------------------------------------------------------------------------------------
    // GICR_INVLPIR, GICR_INVALLR, GICR_SYNCR

    @Test
    void invlpir_makes_a_mask_in_the_property_table_take_effect() {
        gic = machine(1, false);
        setlpir(gic, 0, 8200);
        lpiConfig(gic, 8200, PRIO, false);
        assertTrue(host().irq(0), "the configuration is cached until invalidated");
        invlpir(gic, 0, 8200);
        assertFalse(host().irq(0));
        assertTrue(pending(gic, 0, 8200), "a masked LPI keeps its pending state");
        assertEquals(SPURIOUS, iar1(gic, 0));

        lpiConfig(gic, 8200, PRIO, true);
        invlpir(gic, 0, 8200);
        assertEquals(8200, iar1(gic, 0), "unmasked: delivered");
    }

    @Test
    void invlpir_makes_a_priority_change_take_effect() {
        gic = machine(1, false);
        setlpir(gic, 0, 8200);
        setlpir(gic, 0, 8201);
        assertEquals(8200, hppir1(gic, 0), "equal priorities: lower INTID first");
        lpiConfig(gic, 8201, 0x80, true);
        assertEquals(8200, hppir1(gic, 0));
        invlpir(gic, 0, 8201);
        assertEquals(8201, hppir1(gic, 0));
        assertEquals(8201, iar1(gic, 0));
        assertEquals(0x80, gic.cpu(0).read(IccRegister.RPR));
    }

    @Test
    void invlpir_refreshes_only_the_lpi_it_names() {
        gic = machine(1, false);
        setlpir(gic, 0, 8200);
        setlpir(gic, 0, 8201);
        lpiConfig(gic, 8200, PRIO, false);
        lpiConfig(gic, 8201, PRIO, false);
        invlpir(gic, 0, 8200);
        assertEquals(8201, iar1(gic, 0), "8201 still enabled in the cache");
    }

    @Test
    void invlpir_acts_only_on_its_own_redistributor() {
        gic = machine(2, false);
        setlpir(gic, 0, 8200);
        setlpir(gic, 1, 8200);
        lpiConfig(gic, 8200, PRIO, false);
        invlpir(gic, 1, 8200);
        assertTrue(host().irq(0), "CPU 0's redistributor still has the old configuration");
        assertFalse(host().irq(1));
    }

    @Test
    void invlpir_takes_a_32_bit_write_of_its_low_half() {
        gic = machine(1, false);
        setlpir(gic, 0, 8200);
        lpiConfig(gic, 8200, PRIO, false);
        Regs.gicr(gic, 0, GICR_INVLPIR, 4, 8200);
        assertFalse(host().irq(0));
    }

    @Test
    void invlpir_with_v_set_names_a_virtual_lpi_and_is_ignored_and_reported() {
        gic = machine(1, true);
        setlpir(gic, 0, 8200);
        lpiConfig(gic, 8200, PRIO, false);
        invlpir(gic, 0, 1L << 63 | 5L << 32 | 8200);
        assertTrue(host().irq(0), "the physical LPI 8200 was not invalidated");
        assertEquals(1, counter(gic, "directlpi.invlpir.ignored.virtual"));
        assertTrue(host().guestErrors().get(0).contains("V = 1"), host().guestErrors().toString());
    }

    @Test
    void invlpir_of_an_intid_outside_the_range_is_ignored_and_reported() {
        gic = create(1, true);
        bringUpWithIdBits(13);
        invlpir(gic, 0, 16384);
        invlpir(gic, 0, 27);
        assertEquals(2, counter(gic, "directlpi.invlpir.ignored.outOfRange"));
        assertEquals(2, host().guestErrors().size());
    }

    @Test
    void invlpir_and_invallr_while_enable_lpis_is_0_have_no_effect_and_are_no_error() {
        gic = create(1, false);
        invlpir(gic, 0, 8200);
        invallr(gic, 0);
        assertEquals(1, counter(gic, "directlpi.invlpir.ignored.lpisDisabled"));
        assertEquals(1, counter(gic, "directlpi.invallr.ignored.lpisDisabled"));
    }

    @Test
    void invallr_refreshes_every_cached_configuration() {
        gic = machine(1, false);
        for (int id = LPI_BASE; id < LPI_BASE + 8; id++) {
            setlpir(gic, 0, id);
            lpiConfig(gic, id, PRIO, false);
        }
        assertTrue(host().irq(0));
        invallr(gic, 0);
        assertFalse(host().irq(0));
        for (int id = LPI_BASE; id < LPI_BASE + 8; id++) {
            lpiConfig(gic, id, PRIO, true);
        }
        Regs.gicr(gic, 0, GICR_INVALLR, 4, 0);
        assertEquals(List.of(8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199), drainGroup1(gic, 0));
    }

    @Test
    void invallr_with_v_set_is_ignored_and_reported() {
        gic = machine(1, true);
        setlpir(gic, 0, 8200);
        lpiConfig(gic, 8200, PRIO, false);
        Regs.gicr(gic, 0, GICR_INVALLR, 8, 1L << 63 | 3L << 32);
        assertTrue(host().irq(0));
        assertEquals(1, counter(gic, "directlpi.invallr.ignored.virtual"));
    }

    @Test
    void syncr_reads_busy_0_after_every_operation() {
        gic = machine(2, false);
        assertEquals(0, syncr(gic, 0));
        setlpir(gic, 0, 8200);
        assertEquals(0, syncr(gic, 0));
        lpiConfig(gic, 8200, PRIO, false);
        invlpir(gic, 0, 8200);
        assertEquals(0, syncr(gic, 0), "the invalidation is complete when SYNCR is read");
        assertFalse(host().irq(0), "and its effect is visible");
        invallr(gic, 1);
        assertEquals(0, syncr(gic, 1));
        clrlpir(gic, 0, 8200);
        assertEquals(0, syncr(gic, 0));
    }

    @Test
    void syncr_is_read_only() {
        gic = machine(1, true);
        Regs.gicr(gic, 0, GICR_SYNCR, 1);
        assertEquals(0, syncr(gic, 0));
        assertTrue(host().guestErrors().get(0).contains("read-only GICR_SYNCR"), host().guestErrors().toString());
    }

    @Test
    void the_set_clear_and_invalidate_registers_are_write_only() {
        gic = machine(1, true);
        setlpir(gic, 0, 8200);
        for (long off : new long[] {GICR_SETLPIR, GICR_CLRLPIR, GICR_INVLPIR, GICR_INVALLR}) {
            assertEquals(0, Regs.gicrRead(gic, 0, off, 8));
        }
        assertEquals(4, host().guestErrors().size());
        assertTrue(pending(gic, 0, 8200), "reads change nothing");
    }

    @Test
    void byte_and_halfword_writes_of_setlpir_are_not_permitted() {
        gic = machine(1, true);
        Regs.gicr(gic, 0, GICR_SETLPIR, 1, 0x08);
        Regs.gicr(gic, 0, GICR_SETLPIR, 2, 8200);
        assertFalse(pending(gic, 0, 8200));
        assertEquals(2, host().guestErrors().size());
    }

    private void bringUpWithIdBits(int idBits) {
        enableGroups(gic);
        for (int id = LPI_BASE; id < LPI_BASE + CONFIGURED; id++) {
            lpiConfig(gic, id, PRIO, true);
        }
        lpiConfig(gic, 16383, PRIO, true);
        wake(gic, 0);
        enableCpuInterface(gic, 0, 0xF0, GRP1);
        programLpiTables(gic, 0, idBits);
        enableLpis(gic, 0);
    }
}
