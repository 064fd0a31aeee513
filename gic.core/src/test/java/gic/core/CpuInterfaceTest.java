package gic.core;

import static gic.core.RegOffsets.*;
import static gic.core.TestGic.*;
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
        start(TestGic.cpus(2));
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
        start(TestGic.cpus(1).lenient());
        write(0, IccRegister.CTLR, 0xFFFF_FFFFL);
        assertEquals(CTLR_RO_5BITS | 0b11, read(0, IccRegister.CTLR));
        write(0, IccRegister.CTLR, 0);
        assertEquals(CTLR_RO_5BITS, read(0, IccRegister.CTLR));
        write(0, IccRegister.CTLR, 0b10);
        assertEquals(CTLR_RO_5BITS | 0b10, read(0, IccRegister.CTLR));
    }

    @Test
    void ctlr_idbits_reports_24_bit_intids_when_lpi_id_bits_exceed_16() {
        start(TestGic.cpus(1).lpiIdBits(17));
        assertEquals(1, read(0, IccRegister.CTLR) >>> 11 & 7);
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 6, 7, 8})
    void priority_bits_set_pribits_pmr_mask_and_bpr_minimums(int bits) {
        start(TestGic.cpus(1).priorityBits(bits));
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
        start(TestGic.cpus(1));
        write(0, IccRegister.PMR, 0xFF);
        assertEquals(0xF8, read(0, IccRegister.PMR));
        write(0, IccRegister.PMR, 0x87);
        assertEquals(0x80, read(0, IccRegister.PMR));
        write(0, IccRegister.PMR, 0x1F0);
        assertEquals(0xF0, read(0, IccRegister.PMR), "bits above [7:0] are RES0");
    }

    @Test
    void bpr_writes_below_minimum_clamp_to_minimum() {
        start(TestGic.cpus(1));
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
        start(TestGic.cpus(1).lenient());
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
        start(TestGic.cpus(1).lenient());
        write(0, IccRegister.SRE, 0);
        assertEquals(7, read(0, IccRegister.SRE));
    }

    @Test
    void igrpen_registers_hold_only_the_enable_bit() {
        start(TestGic.cpus(1).lenient());
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
        start(TestGic.cpus(1).lenient());
        for (IccRegister r : List.of(IccRegister.AP0R1, IccRegister.AP0R2, IccRegister.AP0R3,
                IccRegister.AP1R1, IccRegister.AP1R2, IccRegister.AP1R3)) {
            write(0, r, 0xFFFF_FFFFL);
            assertEquals(0, read(0, r), r.name());
        }
        assertEquals(0xFF, read(0, IccRegister.RPR), "RAZ/WI registers do not make anything active");
    }

    @Test
    void write_only_registers_read_as_zero_and_read_only_writes_are_ignored_as_guest_errors() {
        start(TestGic.cpus(1).lenient());
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        int before = host.guestErrors().size();
        assertEquals(0, read(0, IccRegister.EOIR1));
        assertEquals(0, read(0, IccRegister.DIR));
        assertEquals(0, read(0, IccRegister.SGI1R));
        write(0, IccRegister.RPR, 0x10);
        write(0, IccRegister.HPPIR1, 0);
        write(0, IccRegister.IAR1, 40);
        assertTrue(host.guestErrors().size() >= before + 6, "each bad access is a guest error");
        assertEquals(0xFF, read(0, IccRegister.RPR), "nothing was acknowledged");
        assertTrue(spiPending(gic, 40));
        assertFalse(spiActive(gic, 40));
        assertTrue(host.irq(0));
    }

    @Test
    void unknown_system_register_encoding_reads_zero_and_is_a_guest_error() {
        start(TestGic.cpus(1).lenient());
        int before = host.guestErrors().size();
        assertEquals(0, gic.cpu(0).readSysReg(3, 0, 12, 15, 7));
        gic.cpu(0).writeSysReg(3, 0, 12, 15, 7, 1);
        assertEquals(before + 2, host.guestErrors().size());
    }

    @Test
    void system_register_encodings_reach_the_named_registers() {
        start(TestGic.cpus(1));
        gic.cpu(0).writeSysReg(3, 0, 4, 6, 0, 0xA0); // ICC_PMR_EL1
        assertEquals(0xA0, read(0, IccRegister.PMR));
        assertEquals(CTLR_RO_5BITS, gic.cpu(0).readSysReg(3, 0, 12, 12, 4)); // ICC_CTLR_EL1
    }

    // ---------------------------------------------------------------------------------------------
    // Masking, arbitration, acknowledge

    @Test
    void pmr_masks_interrupts_with_priority_at_or_above_it() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        write(0, IccRegister.PMR, 0x80);
        pendSpi(gic, 40);
        assertFalse(host.irq(0), "priority == PMR is masked");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertEquals(40, read(0, IccRegister.HPPIR1), "HPPIR is not filtered by PMR");
        assertTrue(spiPending(gic, 40), "a masked IAR has no side effects");
        write(0, IccRegister.PMR, 0x88);
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0));
    }

    @Test
    void pmr_zero_at_reset_masks_everything() {
        start(TestGic.cpus(1));
        Regs.gicd(gic, GICD_CTLR, 0b11);
        write(0, IccRegister.IGRPEN1, 1);
        spi(gic, 40).group(1).priority(0x00).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.PMR, 0x08);
        assertTrue(host.irq(0));
    }

    @Test
    void lower_priority_value_is_acknowledged_first() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 33).group(1).priority(0xC0).edge().routeTo(0).enable();
        spi(gic, 50).group(1).priority(0x40).edge().routeTo(0).enable();
        spi(gic, 45).group(1).priority(0x80).edge().routeTo(0).enable();
        pendSpi(gic, 33);
        pendSpi(gic, 50);
        pendSpi(gic, 45);
        assertEquals(50, read(0, IccRegister.HPPIR1));
        assertEquals(List.of(50, 45, 33), drainGroup1(gic, 0));
    }

    @Test
    void equal_priority_tie_goes_to_lowest_intid() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        sgiPpi(gic, 0, 27).group(1).priority(0x80).enable();
        sgiPpi(gic, 0, 7).group(1).priority(0x80).enable();
        spi(gic, 45).group(1).priority(0x80).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0x80).edge().routeTo(0).enable();
        pendSpi(gic, 45);
        pendSpi(gic, 41);
        Regs.sgi(gic, 0, GICR_ISPENDR0, 1L << 7 | 1L << 27);
        assertEquals(7, read(0, IccRegister.HPPIR1));
        List<Integer> order = drainGroup1(gic, 0, 4);
        assertEquals(List.of(7, 27, 41, 45), order);
    }

    @Test
    void iar1_returns_1023_when_the_pending_interrupt_is_group0() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 33).group(0).priority(0x40).edge().routeTo(0).enable();
        pendSpi(gic, 33);
        assertTrue(host.fiq(0));
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertEquals(SPURIOUS, read(0, IccRegister.HPPIR1));
        assertEquals(33, read(0, IccRegister.HPPIR0));
        assertTrue(spiPending(gic, 33));
        assertEquals(33, read(0, IccRegister.IAR0));
        assertFalse(host.fiq(0));
        assertTrue(spiActive(gic, 33));
    }

    @Test
    void iar0_returns_1023_when_the_pending_interrupt_is_group1() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x40).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(SPURIOUS, read(0, IccRegister.IAR0));
        assertEquals(SPURIOUS, read(0, IccRegister.HPPIR0));
        assertTrue(spiPending(gic, 40));
        assertEquals(40, read(0, IccRegister.IAR1));
    }

    @Test
    void hppir1_reads_1023_while_igrpen1_is_clear() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        write(0, IccRegister.IGRPEN1, 0);
        spi(gic, 40).group(1).priority(0x40).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(SPURIOUS, read(0, IccRegister.HPPIR1));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.IGRPEN1, 1);
        assertEquals(40, read(0, IccRegister.HPPIR1));
    }

    @Test
    void acknowledge_moves_spi_from_pending_to_active_and_sets_running_priority() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(spiPending(gic, 40));
        assertTrue(spiActive(gic, 40));
        assertEquals(0x80, read(0, IccRegister.RPR));
        assertEquals(1L << (0x80 >> 3), read(0, IccRegister.AP1R0));
        assertEquals(0, read(0, IccRegister.AP0R0));
        assertEquals(SPURIOUS, read(0, IccRegister.HPPIR1), "active interrupts are not candidates");
    }

    // ---------------------------------------------------------------------------------------------
    // Preemption, binary point, running priority

    @Test
    void higher_group_priority_preempts_running_interrupt() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0x78).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0));
        pendSpi(gic, 41);
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
        assertFalse(spiActive(gic, 40));
        assertFalse(spiActive(gic, 41));
    }

    @Test
    void equal_priority_does_not_preempt_until_eoi() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        spi(gic, 42).group(1).priority(0x80).edge().routeTo(0).enable();
        spi(gic, 43).group(1).priority(0x90).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(40, read(0, IccRegister.IAR1));
        pendSpi(gic, 42);
        pendSpi(gic, 43);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertEquals(42, read(0, IccRegister.HPPIR1), "HPPIR ignores the running priority");
        write(0, IccRegister.EOIR1, 40);
        assertTrue(host.irq(0));
        assertEquals(42, read(0, IccRegister.IAR1));
    }

    @Test
    void subpriority_never_preempts() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        write(0, IccRegister.BPR1, 5); // Group 1 group priority = bits [7:5]
        spi(gic, 40).group(1).priority(0x58).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0x48).edge().routeTo(0).enable();
        spi(gic, 42).group(1).priority(0x38).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertEquals(0x40, read(0, IccRegister.RPR), "running priority is the group priority");
        assertEquals(1L << (0x40 >> 3), read(0, IccRegister.AP1R0));
        pendSpi(gic, 41);
        assertFalse(host.irq(0), "0x48 differs from 0x58 only in subpriority");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        pendSpi(gic, 42);
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
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        write(0, IccRegister.BPR0, 6); // group priority = bit [7]
        write(0, IccRegister.CTLR, 1);
        spi(gic, 40).group(1).priority(0x60).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0x10).edge().routeTo(0).enable();
        spi(gic, 42).group(1).priority(0x00).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertEquals(0x00, read(0, IccRegister.RPR));
        assertEquals(1L, read(0, IccRegister.AP1R0));
        pendSpi(gic, 41);
        pendSpi(gic, 42);
        assertFalse(host.irq(0), "with BPR0 = 6 all priorities below 0x80 share group priority 0");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 40);
        assertEquals(42, read(0, IccRegister.IAR1));
    }

    @Test
    void without_cbpr_group1_preemption_uses_bpr1() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        write(0, IccRegister.BPR0, 6);
        spi(gic, 40).group(1).priority(0x60).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0x10).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertEquals(0x60, read(0, IccRegister.RPR));
        pendSpi(gic, 41);
        assertTrue(host.irq(0));
        assertEquals(41, read(0, IccRegister.IAR1));
    }

    @Test
    void bpr0_sets_group0_preemption() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        write(0, IccRegister.BPR0, 5); // group priority = bits [7:6]
        spi(gic, 33).group(0).priority(0x50).edge().routeTo(0).enable();
        spi(gic, 34).group(0).priority(0x48).edge().routeTo(0).enable();
        spi(gic, 35).group(0).priority(0x38).edge().routeTo(0).enable();
        pendSpi(gic, 33);
        assertEquals(33, read(0, IccRegister.IAR0));
        assertEquals(0x40, read(0, IccRegister.RPR));
        assertEquals(1L << (0x40 >> 3), read(0, IccRegister.AP0R0));
        pendSpi(gic, 34);
        assertFalse(host.fiq(0));
        pendSpi(gic, 35);
        assertTrue(host.fiq(0));
        assertEquals(35, read(0, IccRegister.IAR0));
        assertEquals(0x00, read(0, IccRegister.RPR));
    }

    @Test
    void group0_and_group1_share_the_running_priority() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 33).group(0).priority(0x80).edge().routeTo(0).enable();
        spi(gic, 40).group(1).priority(0x90).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0x70).edge().routeTo(0).enable();
        pendSpi(gic, 33);
        assertEquals(33, read(0, IccRegister.IAR0));
        assertEquals(0x80, read(0, IccRegister.RPR));
        pendSpi(gic, 40);
        assertFalse(host.irq(0), "Group 1 at 0x90 cannot preempt Group 0 at 0x80");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        pendSpi(gic, 41);
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
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0xA0).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0x80).edge().routeTo(0).enable();
        spi(gic, 42).group(1).priority(0x60).edge().routeTo(0).enable();
        spi(gic, 43).group(1).priority(0xB0).edge().routeTo(0).enable();
        pendSpi(gic, 43);
        pendSpi(gic, 40);
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
        assertEquals(0xA0, read(0, IccRegister.RPR));
        assertFalse(host.irq(0), "0xB0 cannot preempt 0xA0");

        pendSpi(gic, 41);
        assertTrue(host.irq(0));
        assertEquals(41, read(0, IccRegister.IAR1));
        assertEquals(0x80, read(0, IccRegister.RPR));
        assertFalse(host.irq(0));

        pendSpi(gic, 42);
        assertTrue(host.irq(0));
        assertEquals(42, read(0, IccRegister.IAR1));
        assertEquals(0x60, read(0, IccRegister.RPR));
        assertEquals(1L << 20 | 1L << 16 | 1L << 12, read(0, IccRegister.AP1R0));
        assertFalse(host.irq(0));

        write(0, IccRegister.EOIR1, 42);
        assertEquals(0x80, read(0, IccRegister.RPR));
        assertEquals(1L << 20 | 1L << 16, read(0, IccRegister.AP1R0));
        assertFalse(spiActive(gic, 42));
        assertTrue(spiActive(gic, 41));
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
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x90).edge().routeTo(0).enable();
        write(0, IccRegister.AP1R0, 1L << 16);
        assertEquals(0x80, read(0, IccRegister.RPR));
        pendSpi(gic, 40);
        assertFalse(host.irq(0), "0x90 cannot preempt running priority 0x80");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.AP1R0, 0);
        assertEquals(0xFF, read(0, IccRegister.RPR));
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
    }

    @Test
    void rpr_is_the_highest_active_priority_across_both_ap_registers() {
        start(TestGic.cpus(1));
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
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertTrue(spiActive(gic, 40));
        write(0, IccRegister.EOIR1, 40);
        assertFalse(spiActive(gic, 40));
        assertEquals(0xFF, read(0, IccRegister.RPR));
        assertEquals(0, read(0, IccRegister.AP1R0));
        pendSpi(gic, 40);
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
    }

    @Test
    void eoimode1_eoir_drops_priority_but_dir_deactivates() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        write(0, IccRegister.CTLR, 0b10);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(40, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, 40);
        assertEquals(0xFF, read(0, IccRegister.RPR), "priority dropped");
        assertEquals(0, read(0, IccRegister.AP1R0));
        assertTrue(spiActive(gic, 40), "still active until DIR");
        pendSpi(gic, 40);
        assertFalse(host.irq(0), "an active interrupt is not signalled again");
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        write(0, IccRegister.DIR, 40);
        assertFalse(spiActive(gic, 40));
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
    }

    @Test
    void eoimode1_priority_drop_lets_lower_priority_interrupts_in_before_deactivation() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        write(0, IccRegister.CTLR, 0b10);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0x90).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        pendSpi(gic, 41);
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0));
        write(0, IccRegister.EOIR1, 40);
        assertTrue(host.irq(0));
        assertEquals(41, read(0, IccRegister.IAR1));
        assertTrue(spiActive(gic, 40));
        assertTrue(spiActive(gic, 41));
        write(0, IccRegister.EOIR1, 41);
        write(0, IccRegister.DIR, 41);
        write(0, IccRegister.DIR, 40);
        assertFalse(spiActive(gic, 40));
        assertFalse(spiActive(gic, 41));
    }

    @Test
    void dir_is_ignored_in_eoimode0() {
        start(TestGic.cpus(1).lenient());
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(40, read(0, IccRegister.IAR1));
        write(0, IccRegister.DIR, 40);
        assertTrue(spiActive(gic, 40));
        assertEquals(0x80, read(0, IccRegister.RPR));
        write(0, IccRegister.EOIR1, 40);
        assertFalse(spiActive(gic, 40));
    }

    @Test
    void eoir_of_a_special_intid_is_ignored() {
        start(TestGic.cpus(1).lenient());
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertEquals(40, read(0, IccRegister.IAR1));
        write(0, IccRegister.EOIR1, SPURIOUS);
        assertEquals(0x80, read(0, IccRegister.RPR));
        assertTrue(spiActive(gic, 40));
    }

    // ---------------------------------------------------------------------------------------------
    // IRQ / FIQ line levels

    @Test
    void irq_line_rises_only_when_every_group1_condition_holds() {
        start(TestGic.cpus(1));
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        Regs.gicd(gic, GICD_ICENABLER + 4, 1L << 8);
        pendSpi(gic, 40);
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
        pendSpi(gic, 40);
        assertTrue(host.irq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0), "acknowledged");
        write(0, IccRegister.EOIR1, 40);
        assertFalse(host.irq(0));
    }

    @Test
    void fiq_line_rises_only_when_every_group0_condition_holds() {
        start(TestGic.cpus(1));
        spi(gic, 33).group(0).priority(0x80).edge().routeTo(0).enable();
        pendSpi(gic, 33);
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
        assertFalse(spiActive(gic, 33));
    }

    @Test
    void group0_at_the_running_group_priority_waits_for_the_group1_eoi() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 33).group(0).priority(0x80).edge().routeTo(0).enable();
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        pendSpi(gic, 40);
        assertTrue(host.irq(0));
        assertFalse(host.fiq(0));
        assertEquals(40, read(0, IccRegister.IAR1));
        pendSpi(gic, 33);
        assertFalse(host.fiq(0), "same group priority does not preempt across groups");
        write(0, IccRegister.EOIR1, 40);
        assertTrue(host.fiq(0));
        assertFalse(host.irq(0));
    }

    @Test
    void irq_line_callback_fires_only_on_level_change() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0x90).edge().routeTo(0).enable();
        int raises = host.irqRaises(0);
        pendSpi(gic, 40);
        pendSpi(gic, 41);
        pendSpi(gic, 40);
        assertTrue(host.irq(0));
        assertEquals(raises + 1, host.irqRaises(0));
    }

    @Test
    void level_sensitive_spi_is_pending_while_its_line_is_high() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).level().routeTo(0).enable();
        gic.setSpiLevel(40, true);
        assertTrue(host.irq(0));
        assertTrue(spiPending(gic, 40));
        assertEquals(40, read(0, IccRegister.IAR1));
        assertFalse(host.irq(0));
        write(0, IccRegister.EOIR1, 40);
        assertTrue(host.irq(0), "line still high: pending again after deactivation");
        gic.setSpiLevel(40, false);
        assertFalse(host.irq(0));
        assertFalse(spiPending(gic, 40));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
    }

    @Test
    void edge_spi_becomes_pending_once_per_rising_edge() {
        start(TestGic.cpus(1));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
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
        start(TestGic.cpus(2));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(1).enable();
        pendSpi(gic, 40);
        assertFalse(host.irq(0));
        assertTrue(host.irq(1));
        assertEquals(SPURIOUS, read(0, IccRegister.IAR1));
        assertEquals(40, read(1, IccRegister.IAR1));
    }

    @Test
    void ppi_is_signalled_only_on_its_own_cpu() {
        start(TestGic.cpus(2));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        sgiPpi(gic, 0, 27).group(1).priority(0x80).enable();
        sgiPpi(gic, 1, 27).group(1).priority(0x80).enable();
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
        sgiPpi(gic, 1, 2).group(0).priority(0x40).enable();
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
        sgiPpi(gic, 1, 3).group(1).priority(0x80).enable();
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

    private void start(TestGic.Builder machine) {
        gic = machine.create();
        host = TestGic.host(gic);
        wakeAll(gic);
    }

    private void startSgiMachine(boolean lenient) {
        start(TestGic.affinities(SGI_AFFINITIES).lenient(lenient));
        bringUpAllCpus(gic, 0xFF, GRP0 | GRP1);
        for (int c = 0; c < SGI_AFFINITIES.size(); c++) {
            Regs.sgi(gic, c, GICR_IGROUPR0, 0xFFFF_FFFFL);
        }
    }

    private long read(int cpu, IccRegister r) {
        return gic.cpu(cpu).read(r);
    }

    private void write(int cpu, IccRegister r, long v) {
        gic.cpu(cpu).write(r, v);
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
