package gic.core;

import static gic.core.RegOffsets.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicConfig;
import gic.api.IccRegister;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Behaviour of the ICC_*_EL1 CPU interface (CORE.md section 4): reset values, priority masking,
 * preemption with binary points, EOI modes, active-priority registers, IRQ/FIQ line levels and SGI
 * generation. Single security state (DS=1), 5 priority bits unless a test says otherwise.
 */
class CpuInterfaceTest {

    private static final long RAM_BASE = 0x4000_0000L;
    private static final int RAM_SIZE = 1 << 20;
    private static final int SPURIOUS = 1023;

    // GICD offsets (CORE.md 1.2)
    // GICR RD_base / SGI_base offsets (CORE.md 2.2, 2.8)

    /** ICC_CTLR_EL1 read-only part with 5 priority bits and 16-bit INTIDs: PRIbits=4, A3V, RSS. */
    private static final long CTLR_RO_5BITS = 4L << 8 | 1L << 15 | 1L << 18;

    private TestHost host;
    private GicCore gic;

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Reset values and register fields

    @Test
    void icc_registers_have_architectural_reset_values() {
        start(config(2, 16, 5), false);
        for (int c = 0; c < 2; c++) {
            assertEquals(0, read(c, IccRegister.PMR), "PMR");
            assertEquals(2, read(c, IccRegister.BPR0), "BPR0 = minimum");
            assertEquals(3, read(c, IccRegister.BPR1), "BPR1 = minimum");
            assertEquals(CTLR_RO_5BITS, read(c, IccRegister.CTLR), "CTLR");
            assertEquals(7, read(c, IccRegister.SRE), "SRE");
            assertEquals(0, read(c, IccRegister.IGRPEN0), "IGRPEN0");
            assertEquals(0, read(c, IccRegister.IGRPEN1), "IGRPEN1");
            assertEquals(0, read(c, IccRegister.AP0R0), "AP0R0");
            assertEquals(0, read(c, IccRegister.AP1R0), "AP1R0");
            assertEquals(0xFF, read(c, IccRegister.RPR), "RPR idle");
            assertEquals(SPURIOUS, read(c, IccRegister.HPPIR0), "HPPIR0");
            assertEquals(SPURIOUS, read(c, IccRegister.HPPIR1), "HPPIR1");
            assertEquals(SPURIOUS, read(c, IccRegister.IAR0), "IAR0");
            assertEquals(SPURIOUS, read(c, IccRegister.IAR1), "IAR1");
            assertFalse(host.irq(c));
            assertFalse(host.fiq(c));
        }
    }

    @Test
    void ctlr_keeps_only_cbpr_and_eoimode_writable() {
        start(config(1, 16, 5), true);
        write(0, IccRegister.CTLR, 0xFFFF_FFFFL);
        assertEquals(CTLR_RO_5BITS | 0b11, read(0, IccRegister.CTLR));
        write(0, IccRegister.CTLR, 0);
        assertEquals(CTLR_RO_5BITS, read(0, IccRegister.CTLR));
        write(0, IccRegister.CTLR, 0b10);
        assertEquals(CTLR_RO_5BITS | 0b10, read(0, IccRegister.CTLR));
    }

    @Test
    void ctlr_idbits_reports_24_bit_intids_when_lpi_id_bits_exceed_16() {
        start(config(1, 17, 5), false);
        assertEquals(1, read(0, IccRegister.CTLR) >>> 11 & 7);
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 6, 7, 8})
    void priority_bits_set_pribits_pmr_mask_and_bpr_minimums(int bits) {
        start(config(1, 16, bits), false);
        int mask = (0xFF << (8 - bits)) & 0xFF;
        int minBpr0 = 7 - Math.min(bits, 7);
        assertEquals(bits - 1, read(0, IccRegister.CTLR) >>> 8 & 7, "PRIbits");
        write(0, IccRegister.PMR, 0xFF);
        assertEquals(mask, read(0, IccRegister.PMR), "PMR keeps implemented bits");
        assertEquals(minBpr0, read(0, IccRegister.BPR0), "BPR0 reset");
        assertEquals(minBpr0 + 1, read(0, IccRegister.BPR1), "BPR1 reset");
        write(0, IccRegister.BPR0, 0);
        write(0, IccRegister.BPR1, 0);
        assertEquals(minBpr0, read(0, IccRegister.BPR0), "BPR0 clamps");
        assertEquals(minBpr0 + 1, read(0, IccRegister.BPR1), "BPR1 clamps");
    }

    @Test
    void pmr_keeps_only_implemented_priority_bits() {
        start(config(1, 16, 5), false);
        write(0, IccRegister.PMR, 0xFF);
        assertEquals(0xF8, read(0, IccRegister.PMR));
        write(0, IccRegister.PMR, 0x87);
        assertEquals(0x80, read(0, IccRegister.PMR));
        write(0, IccRegister.PMR, 0x1F0);
        assertEquals(0xF0, read(0, IccRegister.PMR), "bits above [7:0] are RES0");
    }

    @Test
    void bpr_writes_below_minimum_clamp_to_minimum() {
        start(config(1, 16, 5), false);
        write(0, IccRegister.BPR0, 0);
        assertEquals(2, read(0, IccRegister.BPR0));
        write(0, IccRegister.BPR0, 1);
        assertEquals(2, read(0, IccRegister.BPR0));
        write(0, IccRegister.BPR0, 5);
        assertEquals(5, read(0, IccRegister.BPR0));
        write(0, IccRegister.BPR0, 7);
        assertEquals(7, read(0, IccRegister.BPR0));
        write(0, IccRegister.BPR1, 2);
        assertEquals(3, read(0, IccRegister.BPR1));
        write(0, IccRegister.BPR1, 6);
        assertEquals(6, read(0, IccRegister.BPR1));
    }

    @Test
    void bpr1_reads_bpr0_plus_one_and_ignores_writes_while_cbpr_set() {
        start(config(1, 16, 5), true);
        write(0, IccRegister.BPR1, 6);
        write(0, IccRegister.BPR0, 4);
        write(0, IccRegister.CTLR, 1);
        assertEquals(5, read(0, IccRegister.BPR1));
        write(0, IccRegister.BPR1, 3);
        assertEquals(5, read(0, IccRegister.BPR1), "write ignored under CBPR");
        write(0, IccRegister.BPR0, 7);
        assertEquals(7, read(0, IccRegister.BPR1), "min(BPR0 + 1, 7)");
        write(0, IccRegister.CTLR, 0);
        assertEquals(6, read(0, IccRegister.BPR1), "stored BPR1 is visible again");
    }

    @Test
    void sre_reads_7_and_ignores_writes() {
        start(config(1, 16, 5), true);
        write(0, IccRegister.SRE, 0);
        assertEquals(7, read(0, IccRegister.SRE));
    }

    @Test
    void igrpen_registers_hold_only_the_enable_bit() {
        start(config(1, 16, 5), true);
        write(0, IccRegister.IGRPEN0, 0xFFFF_FFFFL);
        write(0, IccRegister.IGRPEN1, 0xFFFF_FFFFL);
        assertEquals(1, read(0, IccRegister.IGRPEN0));
        assertEquals(1, read(0, IccRegister.IGRPEN1));
        write(0, IccRegister.IGRPEN1, 0);
        assertEquals(0, read(0, IccRegister.IGRPEN1));
        assertEquals(1, read(0, IccRegister.IGRPEN0));
    }

    @Test
    void ap_registers_beyond_r0_are_raz_wi_with_5_priority_bits() {
        start(config(1, 16, 5), true);
        for (IccRegister r : List.of(IccRegister.AP0R1, IccRegister.AP0R2, IccRegister.AP0R3,
                IccRegister.AP1R1, IccRegister.AP1R2, IccRegister.AP1R3)) {
            write(0, r, 0xFFFF_FFFFL);
            assertEquals(0, read(0, r), r.name());
        }
        assertEquals(0xFF, read(0, IccRegister.RPR), "RAZ/WI registers do not make anything active");
    }

    @Test
    void write_only_registers_read_as_zero_and_read_only_writes_are_ignored_as_guest_errors() {
        start(config(1, 16, 5), true);
        standardSetup(1);
        spi(40, true, 0x80, true, 0);
        pendSpi(40);
        int before = host.guestErrors().size();
        assertEquals(0, read(0, IccRegister.EOIR1));
        assertEquals(0, read(0, IccRegister.DIR));
        assertEquals(0, read(0, IccRegister.SGI1R));
        write(0, IccRegister.RPR, 0x10);
        write(0, IccRegister.HPPIR1, 0);
        write(0, IccRegister.IAR1, 40);
        assertTrue(host.guestErrors().size() >= before + 6, "each bad access is a guest error");
        assertEquals(0xFF, read(0, IccRegister.RPR), "nothing was acknowledged");
        assertTrue(spiPending(40));
        assertFalse(spiActive(40));
        assertTrue(host.irq(0));
    }

    @Test
    void unknown_system_register_encoding_reads_zero_and_is_a_guest_error() {
        start(config(1, 16, 5), true);
        int before = host.guestErrors().size();
        assertEquals(0, gic.cpu(0).readSysReg(3, 0, 12, 15, 7));
        gic.cpu(0).writeSysReg(3, 0, 12, 15, 7, 1);
        assertEquals(before + 2, host.guestErrors().size());
    }

    @Test
    void system_register_encodings_reach_the_named_registers() {
        start(config(1, 16, 5), false);
        gic.cpu(0).writeSysReg(3, 0, 4, 6, 0, 0xA0); // ICC_PMR_EL1
        assertEquals(0xA0, read(0, IccRegister.PMR));
        assertEquals(CTLR_RO_5BITS, gic.cpu(0).readSysReg(3, 0, 12, 12, 4)); // ICC_CTLR_EL1
    }

    // ---------------------------------------------------------------------------------------------
    // Masking, arbitration, acknowledge

    @Test
    void pmr_masks_interrupts_with_priority_at_or_above_it() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0x80, true, 0);
        write(0, IccRegister.PMR, 0x80);
        pendSpi(40);
        assertFalse(host.irq(0), "priority == PMR is masked");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertEquals(40, read(0, IccRegister.HPPIR1), "HPPIR is not filtered by PMR");
        assertTrue(spiPending(40), "a masked IAR has no side effects");
        write(0, IccRegister.PMR, 0x88);
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0));
    }

    @Test
    void pmr_zero_at_reset_masks_everything() {
        start(config(1, 16, 5), false);
        Regs.gicd(gic, GICD_CTLR, 0b11);
        write(0, IccRegister.IGRPEN1, 1);
        spi(40, true, 0x00, true, 0);
        pendSpi(40);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.PMR, 0x08);
        assertTrue(host.irq(0));
    }

    @Test
    void lower_priority_value_is_acknowledged_first() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(33, true, 0xC0, true, 0);
        spi(50, true, 0x40, true, 0);
        spi(45, true, 0x80, true, 0);
        pendSpi(33);
        pendSpi(50);
        pendSpi(45);
        assertEquals(50, read(0, IccRegister.HPPIR1));
        assertEquals(List.of(50, 45, 33), drainGroup1(0));
    }

    @Test
    void equal_priority_tie_goes_to_lowest_intid() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        sgiPpi(0, 27, true, 0x80);
        sgiPpi(0, 7, true, 0x80);
        spi(45, true, 0x80, true, 0);
        spi(41, true, 0x80, true, 0);
        pendSpi(45);
        pendSpi(41);
        Regs.sgi(gic, 0, GICR_ISPENDR0, 1L << 7 | 1L << 27);
        assertEquals(7, read(0, IccRegister.HPPIR1));
        List<Integer> order = drainGroup1(0, 4);
        assertEquals(List.of(7, 27, 41, 45), order);
    }

    @Test
    void iar1_returns_1023_when_the_pending_interrupt_is_group0() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(33, false, 0x40, true, 0);
        pendSpi(33);
        assertTrue(host.fiq(0));
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertEquals(SPURIOUS, read(0, IccRegister.HPPIR1));
        assertEquals(33, read(0, IccRegister.HPPIR0));
        assertTrue(spiPending(33));
        assertEquals(33, read(0, IccRegister.IAR0));
        assertFalse(host.fiq(0));
        assertTrue(spiActive(33));
    }

    @Test
    void iar0_returns_1023_when_the_pending_interrupt_is_group1() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0x40, true, 0);
        pendSpi(40);
        assertEquals(SPURIOUS, read(0, IccRegister.IAR0));
        assertEquals(SPURIOUS, read(0, IccRegister.HPPIR0));
        assertTrue(spiPending(40));
        assertEquals(40, read(0, IccRegister.IAR1));
    }

    @Test
    void hppir1_reads_1023_while_igrpen1_is_clear() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        write(0, IccRegister.IGRPEN1, 0);
        spi(40, true, 0x40, true, 0);
        pendSpi(40);
        assertEquals(SPURIOUS, read(0, IccRegister.HPPIR1));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.IGRPEN1, 1);
        assertEquals(40, read(0, IccRegister.HPPIR1));
    }

    @Test
    void acknowledge_moves_spi_from_pending_to_active_and_sets_running_priority() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0x80, true, 0);
        pendSpi(40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(spiPending(40));
        assertTrue(spiActive(40));
        assertEquals(0x80, read(0, IccRegister.RPR));
        assertEquals(1L << (0x80 >> 3), read(0, IccRegister.AP1R0));
        assertEquals(0, read(0, IccRegister.AP0R0));
        assertEquals(SPURIOUS, read(0, IccRegister.HPPIR1), "active interrupts are not candidates");
    }

    // ---------------------------------------------------------------------------------------------
    // Preemption, binary point, running priority

    @Test
    void higher_group_priority_preempts_running_interrupt() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0x80, true, 0);
        spi(41, true, 0x78, true, 0);
        pendSpi(40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0));
        pendSpi(41);
        assertTrue(host.irq(0), "0x78 preempts 0x80 at the minimum binary point");
        assertEquals(41, read(0, IccRegister.IAR1));
        assertEquals(0x78, read(0, IccRegister.RPR));
        assertEquals(1L << 16 | 1L << 15, read(0, IccRegister.AP1R0));
        write(0, IccRegister.EOIR1, 41);
        assertEquals(0x80, read(0, IccRegister.RPR));
        assertEquals(1L << 16, read(0, IccRegister.AP1R0));
        write(0, IccRegister.EOIR1, 40);
        assertEquals(0xFF, read(0, IccRegister.RPR));
        assertEquals(0, read(0, IccRegister.AP1R0));
        assertFalse(spiActive(40));
        assertFalse(spiActive(41));
    }

    @Test
    void equal_priority_does_not_preempt_until_eoi() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0x80, true, 0);
        spi(42, true, 0x80, true, 0);
        spi(43, true, 0x90, true, 0);
        pendSpi(40);
        assertEquals(40, read(0, IccRegister.IAR1));
        pendSpi(42);
        pendSpi(43);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertEquals(42, read(0, IccRegister.HPPIR1), "HPPIR ignores the running priority");
        write(0, IccRegister.EOIR1, 40);
        assertTrue(host.irq(0));
        assertEquals(42, read(0, IccRegister.IAR1));
    }

    @Test
    void subpriority_never_preempts() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        write(0, IccRegister.BPR1, 5); // Group 1 group priority = bits [7:5]
        spi(40, true, 0x58, true, 0);
        spi(41, true, 0x48, true, 0);
        spi(42, true, 0x38, true, 0);
        pendSpi(40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertEquals(0x40, read(0, IccRegister.RPR), "running priority is the group priority");
        assertEquals(1L << (0x40 >> 3), read(0, IccRegister.AP1R0));
        pendSpi(41);
        assertFalse(host.irq(0), "0x48 differs from 0x58 only in subpriority");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        pendSpi(42);
        assertTrue(host.irq(0), "0x38 has group priority 0x20 < 0x40");
        assertEquals(42, read(0, IccRegister.IAR1));
        assertEquals(0x20, read(0, IccRegister.RPR));
        write(0, IccRegister.EOIR1, 42);
        write(0, IccRegister.EOIR1, 40);
        assertTrue(host.irq(0));
        assertEquals(41, read(0, IccRegister.IAR1));
    }

    @Test
    void cbpr_makes_group1_preemption_use_bpr0() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        write(0, IccRegister.BPR0, 6); // group priority = bit [7]
        write(0, IccRegister.CTLR, 1);
        spi(40, true, 0x60, true, 0);
        spi(41, true, 0x10, true, 0);
        spi(42, true, 0x00, true, 0);
        pendSpi(40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertEquals(0x00, read(0, IccRegister.RPR));
        assertEquals(1L, read(0, IccRegister.AP1R0));
        pendSpi(41);
        pendSpi(42);
        assertFalse(host.irq(0), "with BPR0 = 6 all priorities below 0x80 share group priority 0");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 40);
        assertEquals(42, read(0, IccRegister.IAR1));
    }

    @Test
    void without_cbpr_group1_preemption_uses_bpr1() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        write(0, IccRegister.BPR0, 6);
        spi(40, true, 0x60, true, 0);
        spi(41, true, 0x10, true, 0);
        pendSpi(40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertEquals(0x60, read(0, IccRegister.RPR));
        pendSpi(41);
        assertTrue(host.irq(0));
        assertEquals(41, read(0, IccRegister.IAR1));
    }

    @Test
    void bpr0_sets_group0_preemption() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        write(0, IccRegister.BPR0, 5); // group priority = bits [7:6]
        spi(33, false, 0x50, true, 0);
        spi(34, false, 0x48, true, 0);
        spi(35, false, 0x38, true, 0);
        pendSpi(33);
        assertEquals(33, read(0, IccRegister.IAR0));
        assertEquals(0x40, read(0, IccRegister.RPR));
        assertEquals(1L << (0x40 >> 3), read(0, IccRegister.AP0R0));
        pendSpi(34);
        assertFalse(host.fiq(0));
        pendSpi(35);
        assertTrue(host.fiq(0));
        assertEquals(35, read(0, IccRegister.IAR0));
        assertEquals(0x00, read(0, IccRegister.RPR));
    }

    @Test
    void group0_and_group1_share_the_running_priority() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(33, false, 0x80, true, 0);
        spi(40, true, 0x90, true, 0);
        spi(41, true, 0x70, true, 0);
        pendSpi(33);
        assertEquals(33, read(0, IccRegister.IAR0));
        assertEquals(0x80, read(0, IccRegister.RPR));
        pendSpi(40);
        assertFalse(host.irq(0), "Group 1 at 0x90 cannot preempt Group 0 at 0x80");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        pendSpi(41);
        assertTrue(host.irq(0));
        assertEquals(41, read(0, IccRegister.IAR1));
        assertEquals(0x70, read(0, IccRegister.RPR));
        assertEquals(1L << 16, read(0, IccRegister.AP0R0));
        assertEquals(1L << 14, read(0, IccRegister.AP1R0));
        write(0, IccRegister.EOIR1, 41);
        assertEquals(0x80, read(0, IccRegister.RPR));
        assertFalse(host.irq(0));
        write(0, IccRegister.EOIR0, 33);
        assertEquals(0xFF, read(0, IccRegister.RPR));
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
    }

    @Test
    void nested_preemption_stacks_active_priorities_and_unwinds_in_eoi_order() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0xA0, true, 0);
        spi(41, true, 0x80, true, 0);
        spi(42, true, 0x60, true, 0);
        spi(43, true, 0xB0, true, 0);
        pendSpi(43);
        pendSpi(40);
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
        assertEquals(0xA0, read(0, IccRegister.RPR));
        assertFalse(host.irq(0), "0xB0 cannot preempt 0xA0");

        pendSpi(41);
        assertTrue(host.irq(0));
        assertEquals(41, read(0, IccRegister.IAR1));
        assertEquals(0x80, read(0, IccRegister.RPR));
        assertFalse(host.irq(0));

        pendSpi(42);
        assertTrue(host.irq(0));
        assertEquals(42, read(0, IccRegister.IAR1));
        assertEquals(0x60, read(0, IccRegister.RPR));
        assertEquals(1L << 20 | 1L << 16 | 1L << 12, read(0, IccRegister.AP1R0));
        assertFalse(host.irq(0));

        write(0, IccRegister.EOIR1, 42);
        assertEquals(0x80, read(0, IccRegister.RPR));
        assertEquals(1L << 20 | 1L << 16, read(0, IccRegister.AP1R0));
        assertFalse(spiActive(42));
        assertTrue(spiActive(41));
        assertFalse(host.irq(0));

        write(0, IccRegister.EOIR1, 41);
        assertEquals(0xA0, read(0, IccRegister.RPR));
        assertEquals(1L << 20, read(0, IccRegister.AP1R0));
        assertFalse(host.irq(0));

        write(0, IccRegister.EOIR1, 40);
        assertEquals(0xFF, read(0, IccRegister.RPR));
        assertEquals(0, read(0, IccRegister.AP1R0));
        assertTrue(host.irq(0), "0xB0 can now be taken");
        assertEquals(43, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 43);
        assertFalse(host.irq(0));
        assertEquals(0xFF, read(0, IccRegister.RPR));
    }

    @Test
    void writing_ap1r0_sets_the_running_priority() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0x90, true, 0);
        write(0, IccRegister.AP1R0, 1L << 16);
        assertEquals(0x80, read(0, IccRegister.RPR));
        pendSpi(40);
        assertFalse(host.irq(0), "0x90 cannot preempt running priority 0x80");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.AP1R0, 0);
        assertEquals(0xFF, read(0, IccRegister.RPR));
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
    }

    @Test
    void rpr_is_the_highest_active_priority_across_both_ap_registers() {
        start(config(1, 16, 5), false);
        write(0, IccRegister.AP0R0, 1L << 20);
        write(0, IccRegister.AP1R0, 1L << 12 | 1L << 25);
        assertEquals(1L << 20, read(0, IccRegister.AP0R0));
        assertEquals(1L << 12 | 1L << 25, read(0, IccRegister.AP1R0));
        assertEquals(0x60, read(0, IccRegister.RPR));
        write(0, IccRegister.AP1R0, 0);
        assertEquals(0xA0, read(0, IccRegister.RPR));
    }

    // ---------------------------------------------------------------------------------------------
    // EOI modes

    @Test
    void eoimode0_eoir_drops_priority_and_deactivates() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0x80, true, 0);
        pendSpi(40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertTrue(spiActive(40));
        write(0, IccRegister.EOIR1, 40);
        assertFalse(spiActive(40));
        assertEquals(0xFF, read(0, IccRegister.RPR));
        assertEquals(0, read(0, IccRegister.AP1R0));
        pendSpi(40);
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
    }

    @Test
    void eoimode1_eoir_drops_priority_but_dir_deactivates() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        write(0, IccRegister.CTLR, 0b10);
        spi(40, true, 0x80, true, 0);
        pendSpi(40);
        assertEquals(40, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 40);
        assertEquals(0xFF, read(0, IccRegister.RPR), "priority dropped");
        assertEquals(0, read(0, IccRegister.AP1R0));
        assertTrue(spiActive(40), "still active until DIR");
        pendSpi(40);
        assertFalse(host.irq(0), "an active interrupt is not signalled again");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.DIR, 40);
        assertFalse(spiActive(40));
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
    }

    @Test
    void eoimode1_priority_drop_lets_lower_priority_interrupts_in_before_deactivation() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        write(0, IccRegister.CTLR, 0b10);
        spi(40, true, 0x80, true, 0);
        spi(41, true, 0x90, true, 0);
        pendSpi(40);
        pendSpi(41);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0));
        write(0, IccRegister.EOIR1, 40);
        assertTrue(host.irq(0));
        assertEquals(41, read(0, IccRegister.IAR1));
        assertTrue(spiActive(40));
        assertTrue(spiActive(41));
        write(0, IccRegister.EOIR1, 41);
        write(0, IccRegister.DIR, 41);
        write(0, IccRegister.DIR, 40);
        assertFalse(spiActive(40));
        assertFalse(spiActive(41));
    }

    @Test
    void dir_is_ignored_in_eoimode0() {
        start(config(1, 16, 5), true);
        standardSetup(1);
        spi(40, true, 0x80, true, 0);
        pendSpi(40);
        assertEquals(40, read(0, IccRegister.IAR1));
        write(0, IccRegister.DIR, 40);
        assertTrue(spiActive(40));
        assertEquals(0x80, read(0, IccRegister.RPR));
        write(0, IccRegister.EOIR1, 40);
        assertFalse(spiActive(40));
    }

    @Test
    void eoir_of_a_special_intid_is_ignored() {
        start(config(1, 16, 5), true);
        standardSetup(1);
        spi(40, true, 0x80, true, 0);
        pendSpi(40);
        assertEquals(40, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, SPURIOUS);
        assertEquals(0x80, read(0, IccRegister.RPR));
        assertTrue(spiActive(40));
    }

    // ---------------------------------------------------------------------------------------------
    // IRQ / FIQ line levels

    @Test
    void irq_line_rises_only_when_every_group1_condition_holds() {
        start(config(1, 16, 5), false);
        spi(40, true, 0x80, true, 0);
        Regs.gicd(gic, GICD_ICENABLER + 4, 1L << 8);
        pendSpi(40);
        assertFalse(host.irq(0), "disabled");
        Regs.gicd(gic, GICD_ISENABLER + 4, 1L << 8);
        assertFalse(host.irq(0), "GICD EnableGrp1 clear");
        Regs.gicd(gic, GICD_CTLR, 0b10);
        assertFalse(host.irq(0), "IGRPEN1 clear");
        write(0, IccRegister.IGRPEN1, 1);
        assertFalse(host.irq(0), "PMR 0 masks");
        write(0, IccRegister.PMR, 0xF0);
        assertTrue(host.irq(0));
        assertFalse(host.fiq(0), "Group 1 is never FIQ");

        write(0, IccRegister.PMR, 0x80);
        assertFalse(host.irq(0), "PMR raised above");
        write(0, IccRegister.PMR, 0xF0);
        assertTrue(host.irq(0));
        write(0, IccRegister.IGRPEN1, 0);
        assertFalse(host.irq(0), "IGRPEN1 cleared");
        write(0, IccRegister.IGRPEN1, 1);
        assertTrue(host.irq(0));
        Regs.gicd(gic, GICD_CTLR, 0b01);
        assertFalse(host.irq(0), "EnableGrp1 cleared");
        Regs.gicd(gic, GICD_CTLR, 0b11);
        assertTrue(host.irq(0));
        Regs.gicd(gic, GICD_ICENABLER + 4, 1L << 8);
        assertFalse(host.irq(0), "interrupt disabled");
        Regs.gicd(gic, GICD_ISENABLER + 4, 1L << 8);
        assertTrue(host.irq(0));
        Regs.gicd(gic, GICD_ICPENDR + 4, 1L << 8);
        assertFalse(host.irq(0), "pending cleared");
        pendSpi(40);
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0), "acknowledged");
        write(0, IccRegister.EOIR1, 40);
        assertFalse(host.irq(0));
    }

    @Test
    void fiq_line_rises_only_when_every_group0_condition_holds() {
        start(config(1, 16, 5), false);
        spi(33, false, 0x80, true, 0);
        pendSpi(33);
        write(0, IccRegister.PMR, 0xF0);
        assertFalse(host.fiq(0), "GICD EnableGrp0 clear");
        Regs.gicd(gic, GICD_CTLR, 0b01);
        assertFalse(host.fiq(0), "IGRPEN0 clear");
        write(0, IccRegister.IGRPEN0, 1);
        assertTrue(host.fiq(0));
        assertFalse(host.irq(0), "Group 0 is never IRQ");
        write(0, IccRegister.IGRPEN1, 1);
        Regs.gicd(gic, GICD_CTLR, 0b10);
        assertFalse(host.fiq(0), "EnableGrp0 cleared");
        assertFalse(host.irq(0));
        Regs.gicd(gic, GICD_CTLR, 0b11);
        assertTrue(host.fiq(0));
        assertEquals(33, read(0, IccRegister.IAR0));
        assertFalse(host.fiq(0));
        write(0, IccRegister.EOIR0, 33);
        assertFalse(host.fiq(0));
        assertFalse(spiActive(33));
    }

    @Test
    void group0_at_the_running_group_priority_waits_for_the_group1_eoi() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(33, false, 0x80, true, 0);
        spi(40, true, 0x80, true, 0);
        pendSpi(40);
        assertTrue(host.irq(0));
        assertFalse(host.fiq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
        pendSpi(33);
        assertFalse(host.fiq(0), "same group priority does not preempt across groups");
        write(0, IccRegister.EOIR1, 40);
        assertTrue(host.fiq(0));
        assertFalse(host.irq(0));
    }

    @Test
    void irq_line_callback_fires_only_on_level_change() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0x80, true, 0);
        spi(41, true, 0x90, true, 0);
        int raises = host.irqRaises(0);
        pendSpi(40);
        pendSpi(41);
        pendSpi(40);
        assertTrue(host.irq(0));
        assertEquals(raises + 1, host.irqRaises(0));
    }

    @Test
    void level_sensitive_spi_is_pending_while_its_line_is_high() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0x80, false, 0);
        gic.setSpiLevel(40, true);
        assertTrue(host.irq(0));
        assertTrue(spiPending(40));
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0));
        write(0, IccRegister.EOIR1, 40);
        assertTrue(host.irq(0), "line still high: pending again after deactivation");
        gic.setSpiLevel(40, false);
        assertFalse(host.irq(0));
        assertFalse(spiPending(40));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
    }

    @Test
    void edge_spi_becomes_pending_once_per_rising_edge() {
        start(config(1, 16, 5), false);
        standardSetup(1);
        spi(40, true, 0x80, true, 0);
        gic.setSpiLevel(40, true);
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 40);
        assertFalse(host.irq(0), "a line held high gives one interrupt");
        gic.setSpiLevel(40, false);
        gic.pulseSpi(40);
        assertTrue(host.irq(0));
    }

    @Test
    void spi_is_signalled_on_the_cpu_its_irouter_names() {
        start(config(2, 16, 5), false);
        standardSetup(2);
        spi(40, true, 0x80, true, 1);
        pendSpi(40);
        assertFalse(host.irq(0));
        assertTrue(host.irq(1));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertEquals(40, read(1, IccRegister.IAR1));
    }

    @Test
    void ppi_is_signalled_only_on_its_own_cpu() {
        start(config(2, 16, 5), false);
        standardSetup(2);
        sgiPpi(0, 27, true, 0x80);
        sgiPpi(1, 27, true, 0x80);
        gic.setPpiLevel(1, 27, true);
        assertFalse(host.irq(0));
        assertTrue(host.irq(1));
        assertEquals(27, read(1, IccRegister.IAR1));
        assertTrue((Regs.sgi(gic, 1, GICR_ISACTIVER0) >>> 27 & 1) != 0);
        assertEquals(0, Regs.sgi(gic, 0, GICR_ISACTIVER0) >>> 27 & 1);
    }

    // ---------------------------------------------------------------------------------------------
    // SGI generation (CPU affinities: 0.0.0.0, 0.0.0.1, 0.0.1.0, 0.0.0.18, 1.2.3.0)

    private static final List<Integer> SGI_AFFINITIES = List.of(0x0000_0000, 0x0000_0001, 0x0000_0100,
        0x0000_0012, 0x0102_0300);

    @Test
    void sgi1r_target_list_reaches_listed_cpus_of_the_cluster_including_self() {
        startSgiMachine(false);
        write(0, IccRegister.SGI1R, sgir(5, 0, 0, 0, 0, 0b11, false));
        assertSgiPendingOn(5, true, true, false, false, false);
    }

    @Test
    void sgi1r_aff1_selects_the_cluster() {
        startSgiMachine(false);
        write(0, IccRegister.SGI1R, sgir(6, 0, 0, 1, 0, 0b1, false));
        assertSgiPendingOn(6, false, false, true, false, false);
    }

    @Test
    void sgi1r_range_selector_reaches_aff0_above_15() {
        startSgiMachine(false);
        write(0, IccRegister.SGI1R, sgir(7, 0, 0, 0, 1, 1 << 2, false));
        assertSgiPendingOn(7, false, false, false, true, false);
    }

    @Test
    void sgi1r_aff3_and_aff2_select_the_cluster() {
        startSgiMachine(false);
        write(0, IccRegister.SGI1R, sgir(8, 1, 2, 3, 0, 0b1, false));
        assertSgiPendingOn(8, false, false, false, false, true);
        write(0, IccRegister.SGI1R, sgir(9, 0, 2, 3, 0, 0b1, false));
        assertSgiPendingOn(9, false, false, false, false, false);
    }

    @Test
    void sgi1r_irm_targets_every_cpu_except_self() {
        startSgiMachine(false);
        write(1, IccRegister.SGI1R, sgir(3, 0, 0, 0, 0, 0b10, true));
        assertSgiPendingOn(3, true, false, true, true, true);
    }

    @Test
    void sgi1r_to_absent_cpus_sets_nothing() {
        startSgiMachine(true);
        write(0, IccRegister.SGI1R, sgir(4, 0, 0, 0, 0, 1 << 9, false));
        write(0, IccRegister.SGI1R, sgir(4, 0, 0, 7, 0, 0b1, false));
        assertSgiPendingOn(4, false, false, false, false, false);
    }

    @Test
    void sgi1r_reaches_only_targets_whose_sgi_is_group1() {
        startSgiMachine(false);
        Regs.sgi(gic, 2, GICR_IGROUPR0, 0xFFFF_FFFFL & ~(1L << 5));
        write(0, IccRegister.SGI1R, sgir(5, 0, 0, 0, 0, 0, true));
        assertSgiPendingOn(5, false, true, false, true, true);
    }

    @Test
    void sgi0r_reaches_only_targets_whose_sgi_is_group0_and_is_signalled_as_fiq() {
        startSgiMachine(false);
        Regs.sgi(gic, 1, GICR_IGROUPR0, 0xFFFF_FFFFL & ~(1L << 2));
        sgiPpi(1, 2, false, 0x40);
        write(0, IccRegister.SGI0R, sgir(2, 0, 0, 0, 0, 0, true));
        assertSgiPendingOn(2, false, true, false, false, false);
        assertTrue(host.fiq(1));
        assertFalse(host.irq(1));
        assertEquals(2, read(1, IccRegister.IAR0));
        write(1, IccRegister.EOIR0, 2);
        assertFalse(host.fiq(1));
    }

    @Test
    void sgi_is_signalled_on_the_target_and_acknowledged_by_its_intid() {
        startSgiMachine(false);
        sgiPpi(1, 3, true, 0x80);
        write(0, IccRegister.SGI1R, sgir(3, 0, 0, 0, 0, 0b10, false));
        assertTrue(host.irq(1));
        assertFalse(host.irq(0));
        assertEquals(3, read(1, IccRegister.IAR1));
        assertTrue((Regs.sgi(gic, 1, GICR_ISACTIVER0) >>> 3 & 1) != 0);
        assertFalse(host.irq(1));
        write(0, IccRegister.SGI1R, sgir(3, 0, 0, 0, 0, 0b10, false));
        assertFalse(host.irq(1), "a pending SGI that is also active is not signalled");
        write(1, IccRegister.EOIR1, 3);
        assertTrue(host.irq(1));
        assertEquals(3, read(1, IccRegister.IAR1));
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    private static GicConfig config(int cpus, int lpiIdBits, int priorityBits) {
        List<Integer> aff = new java.util.ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            aff.add(i);
        }
        return config(aff, lpiIdBits, priorityBits);
    }

    private static GicConfig config(List<Integer> aff, int lpiIdBits, int priorityBits) {
        return new GicConfig(aff, 64, lpiIdBits, priorityBits, GicConfig.VIRT_GICD_BASE,
            GicConfig.VIRT_GICR_BASE, List.of());
    }

    private void start(GicConfig cfg, boolean lenient) {
        host = lenient ? TestHost.lenient(RAM_BASE, RAM_SIZE) : new TestHost(RAM_BASE, RAM_SIZE);
        gic = GicCore.create(cfg, host);
        for (int c = 0; c < cfg.cpuCount(); c++) {
            Regs.gicr(gic, c, GICR_WAKER, 0); // Linux's wake-up: clear ProcessorSleep
        }
    }

    private void startSgiMachine(boolean lenient) {
        start(config(SGI_AFFINITIES, 16, 5), lenient);
        standardSetup(SGI_AFFINITIES.size());
        for (int c = 0; c < SGI_AFFINITIES.size(); c++) {
            Regs.sgi(gic, c, GICR_IGROUPR0, 0xFFFF_FFFFL);
        }
    }

    /** Both groups enabled in GICD and every CPU interface, PMR fully open. */
    private void standardSetup(int cpus) {
        Regs.gicd(gic, GICD_CTLR, 0b11);
        for (int c = 0; c < cpus; c++) {
            write(c, IccRegister.PMR, 0xFF);
            write(c, IccRegister.IGRPEN0, 1);
            write(c, IccRegister.IGRPEN1, 1);
        }
    }

    private long read(int cpu, IccRegister r) {
        return gic.cpu(cpu).read(r);
    }

    private void write(int cpu, IccRegister r, long v) {
        gic.cpu(cpu).write(r, v);
    }

    /** Configures and enables SPI {@code intid}, routed to CPU {@code cpu}. */
    private void spi(int intid, boolean group1, int prio, boolean edge, int cpu) {
        long grp = GICD_IGROUPR + 4L * (intid / 32);
        long g = Regs.gicd(gic, grp);
        Regs.gicd(gic, grp, group1 ? g | 1L << (intid % 32) : g & ~(1L << (intid % 32)));
        setPriorityByte(GICD_IPRIORITYR, intid, prio, false, 0);
        long cfg = GICD_ICFGR + 4L * (intid / 16);
        int bit = 2 * (intid % 16) + 1;
        long c = Regs.gicd(gic, cfg);
        Regs.gicd(gic, cfg, edge ? c | 1L << bit : c & ~(1L << bit));
        int aff = gic.config().cpuAffinities().get(cpu);
        Regs.gicd(gic, GICD_IROUTER + 8L * intid, aff & 0xFF_FFFFL);
        Regs.gicd(gic, GICD_IROUTER + 8L * intid + 4, aff >>> 24);
        Regs.gicd(gic, GICD_ISENABLER + 4L * (intid / 32), 1L << (intid % 32));
    }

    /** Configures and enables SGI/PPI {@code intid} of CPU {@code cpu}. */
    private void sgiPpi(int cpu, int intid, boolean group1, int prio) {
        long g = Regs.sgi(gic, cpu, GICR_IGROUPR0);
        Regs.sgi(gic, cpu, GICR_IGROUPR0, group1 ? g | 1L << intid : g & ~(1L << intid));
        setPriorityByte(GICR_IPRIORITYR, intid, prio, true, cpu);
        Regs.sgi(gic, cpu, GICR_ISENABLER0, 1L << intid);
    }

    private void setPriorityByte(long base, int intid, int prio, boolean sgiFrame, int cpu) {
        long off = base + (intid & ~3);
        int shift = 8 * (intid & 3);
        long w = sgiFrame ? Regs.sgi(gic, cpu, off) : Regs.gicd(gic, off);
        w = (w & ~(0xFFL << shift)) | (long) (prio & 0xFF) << shift;
        if (sgiFrame) {
            Regs.sgi(gic, cpu, off, w & 0xFFFF_FFFFL);
        } else {
            Regs.gicd(gic, off, w & 0xFFFF_FFFFL);
        }
    }

    private void pendSpi(int intid) {
        Regs.gicd(gic, GICD_ISPENDR + 4L * (intid / 32), 1L << (intid % 32));
    }

    private boolean spiPending(int intid) {
        return (Regs.gicd(gic, GICD_ISPENDR + 4L * (intid / 32)) >>> (intid % 32) & 1) != 0;
    }

    private boolean spiActive(int intid) {
        return (Regs.gicd(gic, GICD_ISACTIVER + 4L * (intid / 32)) >>> (intid % 32) & 1) != 0;
    }

    /** Acknowledges and EOIs (EOImode 0) Group 1 interrupts of {@code cpu} until IAR1 reads 1023. */
    private List<Integer> drainGroup1(int cpu) {
        return drainGroup1(cpu, Integer.MAX_VALUE);
    }

    private List<Integer> drainGroup1(int cpu, int max) {
        List<Integer> out = new java.util.ArrayList<>();
        while (out.size() < max) {
            int id = (int) read(cpu, IccRegister.IAR1);
            if (id == SPURIOUS) {
                break;
            }
            out.add(id);
            write(cpu, IccRegister.EOIR1, id);
        }
        return out;
    }

    private static long sgir(int intid, int aff3, int aff2, int aff1, int rs, int targetList, boolean irm) {
        return (targetList & 0xFFFFL) | (long) aff1 << 16 | (long) intid << 24 | (long) aff2 << 32
            | (irm ? 1L << 40 : 0) | (long) rs << 44 | (long) aff3 << 48;
    }

    private void assertSgiPendingOn(int sgi, boolean... expected) {
        for (int c = 0; c < expected.length; c++) {
            boolean pending = (Regs.sgi(gic, c, GICR_ISPENDR0) >>> sgi & 1) != 0;
            assertEquals(expected[c], pending, "SGI " + sgi + " pending on CPU " + c);
        }
    }
}
