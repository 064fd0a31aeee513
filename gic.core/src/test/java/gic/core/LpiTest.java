package gic.core;

import static gic.core.RegOffsets.*;
import static gic.core.TestGic.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import gic.api.IccRegister;
import gic.core.redistributor.Redistributor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * LPIs without an ITS (CORE.md section 3): the property table read through PROPBASER and cached until
 * invalidated, the pending table behind PENDBASER with PTZ and write-back on disable, the INTID range,
 * and arbitration of LPIs against each other and against SPIs in the CPU interface (CORE.md 4.3).
 */
class LpiTest {

    private TestHost host;
    private GicCore gic;

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Delivery and the property table

    @Test
    void lpi_enabled_in_property_table_is_delivered_as_group1_irq() {
        start(1, 16, false);
        lpiConfig(gic, 8200, 0xA0, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        assertTrue(rd(0).setLpiPending(8200));
        assertTrue(rd(0).isLpiPending(8200));
        assertTrue(host.irq(0));
        assertFalse(host.fiq(0));
        assertEquals(8200, read(0, IccRegister.HPPIR1));
        assertEquals(8200, read(0, IccRegister.IAR1));
        assertFalse(rd(0).isLpiPending(8200), "acknowledge clears the pending bit");
        assertFalse(host.irq(0));
        assertEquals(0xA0, read(0, IccRegister.RPR));
        write(0, IccRegister.EOIR1, 8200);
        assertEquals(0xFF, read(0, IccRegister.RPR));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
    }

    @Test
    void lpi_pending_while_config_disabled_stays_pending_and_fires_after_enable_and_invalidate() {
        start(1, 16, false);
        lpiConfig(gic, 8200, 0xA0, false);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        assertTrue(rd(0).setLpiPending(8200));
        assertTrue(rd(0).isLpiPending(8200));
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.HPPIR1));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));

        lpiConfig(gic, 8200, 0xA0, true);
        assertFalse(host.irq(0), "config is cached until invalidated");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertTrue(rd(0).isLpiPending(8200));

        rd(0).invalidateLpi(8200);
        assertTrue(host.irq(0));
        assertEquals(8200, read(0, IccRegister.IAR1));
    }

    @Test
    void property_table_running_past_ram_keeps_its_good_pages_and_reads_the_rest_as_disabled() {
        start(1, 16, true);
        long lastPage = RAM_BASE + RAM_SIZE - 0x1000; // an 8 KiB table (14 ID bits) whose second page is outside RAM
        assertTrue(host.mem().store(lastPage + 5, 1, 0xA1));
        Regs.gicr(gic, 0, GICR_PROPBASER, 8, lastPage | 13);
        Regs.gicr(gic, 0, GICR_PENDBASER, 8, pendTable(0) | PTZ);
        enableLpis(gic, 0);
        assertTrue(host.guestErrors().stream().anyMatch(e -> e.contains("property table")));
        assertTrue(rd(0).setLpiPending(LPI_BASE + 5));
        assertEquals(LPI_BASE + 5, read(0, IccRegister.IAR1), "an LPI configured in the good page is delivered");
        write(0, IccRegister.EOIR1, LPI_BASE + 5);
        assertTrue(rd(0).setLpiPending(LPI_BASE + 0x1000 + 5), "still pending-capable: in the IDbits range");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1), "config from a page outside RAM reads as disabled");
    }

    @Test
    void disabling_lpi_in_memory_takes_effect_only_after_invalidate() {
        start(1, 16, false);
        lpiConfig(gic, 8200, 0xA0, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        assertTrue(host.irq(0));
        lpiConfig(gic, 8200, 0xA0, false);
        assertTrue(host.irq(0), "still enabled in the cache");
        assertEquals(8200, read(0, IccRegister.HPPIR1));
        rd(0).invalidateLpi(8200);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.HPPIR1));
        assertTrue(rd(0).isLpiPending(8200), "a disabled LPI keeps its pending state");
    }

    @Test
    void priority_change_in_memory_takes_effect_only_after_invalidate() {
        start(1, 16, false);
        spi(gic, 40).group(1).priority(0x90).edge().routeTo(0).enable();
        lpiConfig(gic, 8200, 0xA0, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        Regs.gicd(gic, GICD_ISPENDR + 4, 1L << 8);
        assertEquals(40, read(0, IccRegister.HPPIR1));
        lpiConfig(gic, 8200, 0x80, true);
        assertEquals(40, read(0, IccRegister.HPPIR1), "old priority 0xA0 still cached");
        rd(0).invalidateLpi(8200);
        assertEquals(8200, read(0, IccRegister.HPPIR1));
        assertEquals(8200, read(0, IccRegister.IAR1));
        assertEquals(0x80, read(0, IccRegister.RPR));
    }

    @Test
    void an_lpi_whose_priority_changed_while_pending_is_taken_once_and_leaves_nothing_behind() {
        start(1, 16, false);
        lpiConfig(gic, 8200, 0xA0, true);
        lpiConfig(gic, 8201, 0xC0, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        rd(0).setLpiPending(8201);
        lpiConfig(gic, 8200, 0xE0, true);
        rd(0).invalidateLpi(8200);
        lpiConfig(gic, 8200, 0x80, true);
        rd(0).invalidateLpi(8200);
        assertEquals(8200, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 8200);
        assertEquals(8201, read(0, IccRegister.IAR1), "8200 is not left at a level it moved away from");
        write(0, IccRegister.EOIR1, 8201);
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0));
    }

    @Test
    void invalidate_all_refreshes_every_cached_config() {
        start(1, 16, false);
        for (int id = 8192; id < 8192 + 16; id++) {
            lpiConfig(gic, id, 0xA0, false);
        }
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        for (int id = 8192; id < 8192 + 16; id++) {
            assertTrue(rd(0).setLpiPending(id));
        }
        assertFalse(host.irq(0));
        for (int id = 8192; id < 8192 + 16; id++) {
            lpiConfig(gic, id, 0xC0 - 8 * (id - 8192), true);
        }
        assertFalse(host.irq(0));
        rd(0).invalidateAllLpis();
        assertTrue(host.irq(0));
        List<Integer> expected = new ArrayList<>();
        for (int id = 8192 + 15; id >= 8192; id--) {
            expected.add(id);
        }
        assertEquals(expected, drainGroup1(gic, 0));
    }

    @Test
    void property_byte_low_bits_are_not_priority() {
        start(1, 16, false);
        host.mem().store(PROP + (8200 - LPI_BASE), 1, 0x80 | 0b11);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        assertEquals(8200, read(0, IccRegister.IAR1));
        assertEquals(0x80, read(0, IccRegister.RPR));
    }

    // ---------------------------------------------------------------------------------------------
    // Pending table, PTZ, write-back

    @Test
    void clearing_enable_lpis_writes_pending_state_back_to_the_table() {
        start(1, 16, false);
        lpiConfig(gic, 8200, 0xA0, false);
        lpiConfig(gic, 8300, 0x80, true);
        lpiConfig(gic, 12345, 0xA0, false);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        rd(0).setLpiPending(8300);
        rd(0).setLpiPending(12345);
        assertEquals(8300, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 8300);

        disableLpis(gic, 0);
        assertTrue(pendingTableBit(gic, 0, 8200));
        assertTrue(pendingTableBit(gic, 0, 12345));
        assertFalse(pendingTableBit(gic, 0, 8300), "acknowledged, so not pending");
        assertFalse(pendingTableBit(gic, 0, 8201));
        assertFalse(pendingTableBit(gic, 0, 12344));
        assertEquals(1 << (8200 % 8), host.mem().load(PEND0 + 8200 / 8, 1).getAsLong(), "bit INTID%8 of byte INTID/8");
        assertFalse(host.irq(0));
    }

    @Test
    void reenabling_with_ptz_clear_restores_written_back_pending_lpis() {
        start(1, 16, false);
        write(0, IccRegister.PMR, 0); // keep everything pending
        lpiConfig(gic, 8200, 0x80, true);
        lpiConfig(gic, 9000, 0x60, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        rd(0).setLpiPending(9000);
        disableLpis(gic, 0);
        assertTrue(pendingTableBit(gic, 0, 8200));
        assertTrue(pendingTableBit(gic, 0, 9000));
        programLpiTablesWithoutPtz(gic, 0, 15);
        enableLpis(gic, 0);
        assertTrue(rd(0).isLpiPending(8200));
        assertTrue(rd(0).isLpiPending(9000));
        write(0, IccRegister.PMR, 0xFF);
        assertTrue(host.irq(0));
        assertEquals(List.of(9000, 8200), drainGroup1(gic, 0));
    }

    @Test
    void enabling_with_ptz_clear_reads_pending_bits_from_the_table() {
        start(1, 16, false);
        lpiConfig(gic, 8300, 0x90, true);
        lpiConfig(gic, 20000, 0x70, true);
        lpiConfig(gic, 8301, 0x50, false);
        setPendingTableBit(gic, 0, 8300);
        setPendingTableBit(gic, 0, 20000);
        setPendingTableBit(gic, 0, 8301);
        programLpiTablesWithoutPtz(gic, 0, 15);
        enableLpis(gic, 0);
        assertTrue(rd(0).isLpiPending(8300));
        assertTrue(rd(0).isLpiPending(20000));
        assertTrue(rd(0).isLpiPending(8301));
        assertFalse(rd(0).isLpiPending(8302));
        assertTrue(host.irq(0));
        assertEquals(List.of(20000, 8300), drainGroup1(gic, 0));
        assertTrue(rd(0).isLpiPending(8301), "pending but disabled");
    }

    @Test
    void enabling_with_ptz_set_assumes_the_table_is_zero() {
        start(1, 16, false);
        lpiConfig(gic, 8300, 0x90, true);
        setPendingTableBit(gic, 0, 8300);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        assertFalse(rd(0).isLpiPending(8300));
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
    }

    @Test
    void propbaser_and_pendbaser_read_back_address_and_idbits_with_ptz_reading_zero() {
        start(1, 16, false);
        programLpiTables(gic, 0, 15);
        long prop = Regs.gicrRead(gic, 0, GICR_PROPBASER, 8);
        long pend = Regs.gicrRead(gic, 0, GICR_PENDBASER, 8);
        assertEquals(PROP, prop & 0x000F_FFFF_FFFF_F000L);
        assertEquals(15, prop & 0x1F);
        assertEquals(PEND0, pend & 0x000F_FFFF_FFFF_0000L);
        assertEquals(0, pend & PTZ, "PTZ reads as 0");
    }

    // ---------------------------------------------------------------------------------------------
    // Dropped LPIs

    @Test
    void lpi_set_while_enable_lpis_is_clear_is_dropped_not_latched() {
        start(1, 16, false);
        lpiConfig(gic, 8200, 0xA0, true);
        programLpiTables(gic, 0, 15);
        assertFalse(rd(0).setLpiPending(8200));
        assertFalse(rd(0).isLpiPending(8200));
        enableLpis(gic, 0);
        assertFalse(rd(0).isLpiPending(8200));
        assertFalse(host.irq(0));
        assertTrue(rd(0).setLpiPending(8200));
        assertTrue(host.irq(0));
    }

    @Test
    void lpi_set_after_enable_lpis_cleared_is_dropped() {
        start(1, 16, false);
        lpiConfig(gic, 8200, 0xA0, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        disableLpis(gic, 0);
        assertFalse(rd(0).setLpiPending(8200));
        assertFalse(pendingTableBit(gic, 0, 8200));
    }

    @Test
    void lpi_beyond_propbaser_idbits_is_dropped() {
        start(1, 16, false);
        lpiConfig(gic, 16383, 0xA0, true);
        programLpiTables(gic, 0, 13); // 14 INTID bits: LPIs 8192..16383
        enableLpis(gic, 0);
        assertTrue(rd(0).setLpiPending(16383));
        assertFalse(rd(0).setLpiPending(16384));
        assertFalse(rd(0).isLpiPending(16384));
        assertEquals(List.of(16383), drainGroup1(gic, 0));
    }

    @Test
    void lpi_beyond_gicd_idbits_is_dropped_even_if_propbaser_allows_more() {
        start(1, 16, false);
        lpiConfig(gic, 65535, 0xA0, true);
        programLpiTables(gic, 0, 19);
        enableLpis(gic, 0);
        assertTrue(rd(0).setLpiPending(65535));
        assertFalse(rd(0).setLpiPending(65536));
        assertFalse(rd(0).setLpiPending(1 << 19));
        assertEquals(List.of(65535), drainGroup1(gic, 0));
    }

    @Test
    void propbaser_idbits_below_13_means_no_lpis() {
        start(1, 16, false);
        lpiConfig(gic, 8192, 0xA0, true);
        programLpiTables(gic, 0, 12);
        enableLpis(gic, 0);
        assertFalse(rd(0).setLpiPending(8192));
        assertFalse(rd(0).setLpiPending(8200));
        assertFalse(host.irq(0));
    }

    @Test
    void intids_below_8192_are_not_lpis() {
        start(1, 16, false);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        assertFalse(rd(0).setLpiPending(8191));
        assertFalse(rd(0).setLpiPending(1023));
        assertFalse(rd(0).setLpiPending(40));
        assertFalse(rd(0).setLpiPending(0));
        assertFalse(host.irq(0));
    }

    // ---------------------------------------------------------------------------------------------
    // Gating and arbitration

    @Test
    void lpi_delivery_requires_gicd_enable_grp1_igrpen1_and_priority_below_pmr() {
        start(1, 16, false);
        Regs.gicd(gic, GICD_CTLR, 0b01);
        lpiConfig(gic, 8200, 0x80, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        assertFalse(host.irq(0), "GICD EnableGrp1 clear");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        Regs.gicd(gic, GICD_CTLR, 0b11);
        assertTrue(host.irq(0));
        write(0, IccRegister.IGRPEN1, 0);
        assertFalse(host.irq(0), "IGRPEN1 clear");
        write(0, IccRegister.IGRPEN1, 1);
        assertTrue(host.irq(0));
        write(0, IccRegister.PMR, 0x80);
        assertFalse(host.irq(0), "priority == PMR");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.PMR, 0x88);
        assertTrue(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR0), "LPIs are Group 1");
        assertEquals(8200, read(0, IccRegister.IAR1));
    }

    @Test
    void lpi_is_not_delivered_after_enable_lpis_is_cleared() {
        start(1, 16, false);
        write(0, IccRegister.PMR, 0);
        lpiConfig(gic, 8200, 0x80, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        disableLpis(gic, 0);
        write(0, IccRegister.PMR, 0xFF);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
    }

    @Test
    void pending_lpis_are_acknowledged_in_priority_order_lowest_intid_first_on_tie() {
        start(1, 16, false);
        int[] ids = {9000, 8200, 30000, 8199, 65535, 12000};
        int[] prios = {0x80, 0xA0, 0x40, 0x80, 0x40, 0xE0};
        for (int i = 0; i < ids.length; i++) {
            lpiConfig(gic, ids[i], prios[i], true);
        }
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        for (int id : ids) {
            assertTrue(rd(0).setLpiPending(id));
        }
        assertEquals(List.of(30000, 65535, 8199, 9000, 8200, 12000), drainGroup1(gic, 0));
        assertFalse(host.irq(0));
    }

    @Test
    void lpis_and_spis_are_arbitrated_by_priority_then_intid() {
        start(1, 16, false);
        spi(gic, 40).group(1).priority(0x90).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0xA0).edge().routeTo(0).enable();
        lpiConfig(gic, 8200, 0x80, true);
        lpiConfig(gic, 8201, 0xA0, true);
        lpiConfig(gic, 8202, 0xB0, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8202);
        rd(0).setLpiPending(8201);
        rd(0).setLpiPending(8200);
        Regs.gicd(gic, GICD_ISPENDR + 4, 1L << 8 | 1L << 9);
        assertEquals(List.of(8200, 40, 41, 8201, 8202), drainGroup1(gic, 0));
    }

    @Test
    void higher_priority_lpi_preempts_a_running_spi() {
        start(1, 16, false);
        spi(gic, 40).group(1).priority(0x90).edge().routeTo(0).enable();
        lpiConfig(gic, 8200, 0x80, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        Regs.gicd(gic, GICD_ISPENDR + 4, 1L << 8);
        assertEquals(40, read(0, IccRegister.IAR1));
        rd(0).setLpiPending(8200);
        assertTrue(host.irq(0));
        assertEquals(8200, read(0, IccRegister.IAR1));
        assertEquals(0x80, read(0, IccRegister.RPR));
        write(0, IccRegister.EOIR1, 8200);
        assertEquals(0x90, read(0, IccRegister.RPR));
        write(0, IccRegister.EOIR1, 40);
        assertEquals(0xFF, read(0, IccRegister.RPR));
    }

    @Test
    void lpi_has_no_active_state_so_eoir_only_drops_priority() {
        start(1, 16, false);
        lpiConfig(gic, 8200, 0x80, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        assertEquals(8200, read(0, IccRegister.IAR1));
        assertTrue(rd(0).setLpiPending(8200), "can be pending again while being handled");
        assertTrue(rd(0).isLpiPending(8200));
        assertFalse(host.irq(0), "same priority does not preempt");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 8200);
        assertEquals(0xFF, read(0, IccRegister.RPR));
        assertTrue(host.irq(0));
        assertEquals(8200, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 8200);
        assertFalse(host.irq(0));
    }

    @Test
    void in_eoimode1_lpi_needs_no_dir_and_dir_of_an_lpi_is_ignored() {
        start(1, 16, true);
        write(0, IccRegister.CTLR, 0b10);
        lpiConfig(gic, 8200, 0x80, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        assertEquals(8200, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 8200);
        assertEquals(0xFF, read(0, IccRegister.RPR));
        rd(0).setLpiPending(8200);
        assertTrue(host.irq(0), "no DIR needed before the LPI can be taken again");
        assertEquals(8200, read(0, IccRegister.IAR1));
        write(0, IccRegister.DIR, 8200);
        assertEquals(0x80, read(0, IccRegister.RPR), "DIR does not drop priority");
        write(0, IccRegister.EOIR1, 8200);
        assertEquals(0xFF, read(0, IccRegister.RPR));
    }

    @Test
    void clearing_a_pending_lpi_withdraws_it() {
        start(1, 16, false);
        lpiConfig(gic, 8200, 0x80, true);
        programLpiTables(gic, 0, 15);
        enableLpis(gic, 0);
        rd(0).setLpiPending(8200);
        assertTrue(host.irq(0));
        rd(0).clearLpiPending(8200);
        assertFalse(rd(0).isLpiPending(8200));
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
    }

    @Test
    void lpis_are_pending_per_redistributor() {
        start(2, 16, false);
        lpiConfig(gic, 8200, 0x80, true);
        programLpiTables(gic, 0, 15);
        programLpiTables(gic, 1, 15);
        enableLpis(gic, 0);
        enableLpis(gic, 1);
        assertTrue(rd(1).setLpiPending(8200));
        assertFalse(rd(0).isLpiPending(8200));
        assertFalse(host.irq(0));
        assertTrue(host.irq(1));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertEquals(8200, read(1, IccRegister.IAR1));
        disableLpis(gic, 0);
        assertFalse(rd(0).setLpiPending(8200), "CPU 0 dropped LPIs; CPU 1 still takes them");
        assertTrue(rd(1).setLpiPending(8200));
    }

    @Test
    void sixty_thousand_pending_lpis_are_acknowledged_in_priority_order() {
        start(1, 17, false);
        int n = 60_000;
        byte[] props = new byte[n];
        int[] prio = new int[n];
        for (int k = 0; k < n; k++) {
            prio[k] = (int) ((k * 7919L) % 30) << 3; // 0x00..0xE8, all below PMR 0xF8
            props[k] = (byte) (prio[k] | 0b11);
        }
        assertTrue(host.mem().write(PROP, props, 0, n));
        programLpiTables(gic, 0, 16);
        enableLpis(gic, 0);
        for (int j = 0; j < n; j++) {
            int k = (int) ((j * 40_009L) % n); // 40009 is coprime with 60000: a permutation
            assertTrue(rd(0).setLpiPending(LPI_BASE + k));
        }
        List<Integer> expected = new ArrayList<>(n);
        for (int p = 0; p < 30; p++) {
            for (int k = 0; k < n; k++) {
                if (prio[k] == p << 3) {
                    expected.add(LPI_BASE + k);
                }
            }
        }
        int taken = 0;
        for (int want : expected) {
            int got = (int) read(0, IccRegister.IAR1);
            if (got != want) {
                fail("acknowledge #" + taken + ": expected " + want + " got " + got);
            }
            write(0, IccRegister.EOIR1, got);
            taken++;
        }
        assertEquals(n, taken);
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0));
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    /** A GIC with GICD groups enabled, every CPU awake with PMR open and IGRPEN1 set. */
    private void start(int cpus, int lpiIdBits, boolean lenient) {
        gic = TestGic.cpus(cpus).lpiIdBits(lpiIdBits).lenient(lenient).create();
        host = TestGic.host(gic);
        bringUpAllCpus(gic, 0xFF, GRP1);
    }

    private Redistributor rd(int cpu) {
        return gic.redistributor(cpu);
    }

    private long read(int cpu, IccRegister r) {
        return gic.cpu(cpu).read(r);
    }

    private void write(int cpu, IccRegister r, long v) {
        gic.cpu(cpu).write(r, v);
    }
}
