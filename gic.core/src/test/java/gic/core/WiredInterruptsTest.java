package gic.core;

import static gic.core.RegOffsets.*;
import static gic.core.Regs.gicd;
import static gic.core.Regs.gicdRead;
import static gic.core.Regs.gicr;
import static gic.core.Regs.sgi;
import static gic.core.TestGic.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.IccRegister;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPIs and PPIs from wires to IRQ/FIQ lines: routing by GICD_IROUTER (including 1-of-N), banked PPIs,
 * level versus edge, Group 0 → FIQ and Group 1 → IRQ, the gates on signalling, and SETSPI/CLRSPI
 * (CORE.md §1.3, §1.6, §1.7, §2.8, §4.3).
 */
class WiredInterruptsTest {

    /** Four CPUs (0.0.0.0, 0.0.0.1, 0.0.1.0, 0.1.0.0), 64 SPIs, 16 INTID bits, 5 priority bits. */
    static final GicConfig CFG = TestGic.affinities(FOUR_CPUS).config();

    /** GICD_IROUTER.Interrupt_Routing_Mode: 1 of N. */
    static final long IRM = 1L << 31;

    static final int SPI = 40;
    static final int PPI = 20;

    private GicCore gic;
    private TestHost host;

    @AfterEach
    void close() {
        if (gic != null) {
            gic.close();
        }
    }

    /** A GIC as an OS leaves it: distributor groups on, every CPU awake, PMR 0xF0, both groups enabled. */
    private Gic start(TestGic.Builder machine) {
        gic = machine.create();
        host = TestGic.host(gic);
        bringUpAllCpus(gic, 0xF0, GRP0 | GRP1);
        return gic;
    }

    private Gic start() {
        return start(TestGic.affinities(FOUR_CPUS));
    }

    private boolean ppiPending(int cpu, int intid) {
        return (sgi(gic, cpu, GICR_ISPENDR0) & bit(intid)) != 0;
    }

    private long iar1(int cpu) {
        return gic.cpu(cpu).read(IccRegister.IAR1);
    }

    private void eoi1(int cpu, long intid) {
        gic.cpu(cpu).write(IccRegister.EOIR1, intid);
    }

    private int cpusWithIrq() {
        int n = 0;
        for (int cpu = 0; cpu < gic.config().cpuCount(); cpu++) {
            n += host.irq(cpu) ? 1 : 0;
        }
        return n;
    }

    // ---------------------------------------------------------------- routing by GICD_IROUTER (IRM = 0)

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void spi_is_signalled_only_on_the_cpu_whose_affinity_irouter_names(int target) {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(FOUR_CPUS.get(target)).enable();
        gic.setSpiLevel(SPI, true);
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(cpu == target, host.irq(cpu), "irq of cpu " + cpu);
            assertFalse(host.fiq(cpu), "fiq of cpu " + cpu);
        }
    }

    @Test
    void target_cpu_acknowledges_spi_and_its_irq_drops() {
        start();
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(0x100).enable();
        gic.pulseSpi(SPI);
        assertTrue(host.irq(2));
        assertEquals(SPURIOUS, iar1(0), "cpu 0 is not the target");
        assertEquals(SPI, iar1(2));
        assertFalse(host.irq(2));
        assertTrue(spiActive(gic, SPI));
        assertFalse(spiPending(gic, SPI));
        eoi1(2, SPI);
        assertFalse(spiActive(gic, SPI), "EOImode 0: EOIR deactivates");
    }

    @Test
    void spi_routed_to_affinity_of_no_cpu_stays_pending_until_rerouted() {
        start();
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(0x5).enable(); // Aff0 = 5: no such CPU
        gic.pulseSpi(SPI);
        assertTrue(spiPending(gic, SPI));
        assertEquals(0, cpusWithIrq());
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(SPURIOUS, iar1(cpu));
        }
        gicd(gic, GICD_IROUTER + 8L * SPI, 8, 0x1);
        assertTrue(host.irq(1));
        assertEquals(1, cpusWithIrq());
        assertEquals(SPI, iar1(1));
    }

    @Test
    void rerouting_a_pending_spi_moves_its_signal_to_the_new_cpu() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        assertTrue(host.irq(0));
        gicd(gic, GICD_IROUTER + 8L * SPI, 8, 0x10000);
        assertFalse(host.irq(0));
        assertTrue(host.irq(3));
        assertEquals(SPURIOUS, iar1(0));
        assertEquals(SPI, iar1(3));
    }

    @Test
    void rerouting_by_32bit_low_half_write_moves_the_spi() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        gicd(gic, GICD_IROUTER + 8L * SPI, 0x1);
        assertFalse(host.irq(0));
        assertTrue(host.irq(1));
    }

    @Test
    void irouter_aff3_selects_cpu_by_all_four_affinity_levels() {
        start(TestGic.affinities(List.of(0x0000_0000, 0x0100_0000, 0x0200_0000)).spis(32));
        spi(gic, SPI).group(1).priority(0x80).level().irouter(1L << 32).enable(); // Aff3 = 1
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        assertTrue(host.irq(1));
        assertFalse(host.irq(2));
        gicd(gic, GICD_IROUTER + 8L * SPI + 4, 0x2); // high half: Aff3 = 2
        assertFalse(host.irq(1));
        assertTrue(host.irq(2));
    }

    @Test
    void irouter_reset_value_routes_to_affinity_zero() {
        start();
        gicd(gic, word(GICD_IGROUPR, SPI), bit(SPI));
        gicd(gic, word(GICD_ISENABLER, SPI), bit(SPI));
        gic.setSpiLevel(SPI, true);
        assertTrue(host.irq(0));
        assertEquals(1, cpusWithIrq());
    }

    @Test
    void different_spis_reach_different_cpus() {
        start();
        spi(gic, 40).group(1).priority(0x80).level().irouter(0x0).enable();
        spi(gic, 41).group(1).priority(0x80).level().irouter(0x1).enable();
        spi(gic, 90).group(1).priority(0x80).level().irouter(0x100).enable();
        gic.setSpiLevel(41, true);
        gic.setSpiLevel(90, true);
        assertFalse(host.irq(0));
        assertTrue(host.irq(1));
        assertTrue(host.irq(2));
        assertEquals(41, iar1(1));
        assertEquals(90, iar1(2));
    }

    // ---------------------------------------------------------------- 1-of-N (IRM = 1)

    @Test
    void irm_spi_goes_to_the_only_participating_cpu() {
        start();
        gic.cpu(0).write(IccRegister.IGRPEN1, 0); // not participating: group disabled
        sleep(gic, 1); // not participating: asleep
        sleep(gic, 2);
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(IRM).enable();
        gic.pulseSpi(SPI);
        assertTrue(host.irq(3));
        assertEquals(1, cpusWithIrq());
        assertEquals(SPI, iar1(3));
    }

    @Test
    void irm_spi_is_acknowledged_by_exactly_one_cpu() {
        start();
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(IRM | 0x100).enable();
        gic.pulseSpi(SPI);
        assertTrue(cpusWithIrq() >= 1);
        int acks = 0;
        for (int cpu = 0; cpu < 4; cpu++) {
            long id = iar1(cpu);
            if (id == SPI) {
                acks++;
            } else {
                assertEquals(SPURIOUS, id, "cpu " + cpu);
            }
        }
        assertEquals(1, acks);
        assertEquals(0, cpusWithIrq(), "once acknowledged it is signalled nowhere");
        assertTrue(spiActive(gic, SPI));
    }

    @Test
    void irm_spi_moves_to_another_participating_cpu_when_its_cpu_stops_participating() {
        start();
        for (int cpu = 1; cpu < 4; cpu++) {
            gic.cpu(cpu).write(IccRegister.IGRPEN1, 0);
        }
        spi(gic, SPI).group(1).priority(0x80).level().irouter(IRM).enable();
        gic.setSpiLevel(SPI, true);
        assertTrue(host.irq(0));
        gic.cpu(2).write(IccRegister.IGRPEN1, 1);
        gic.cpu(0).write(IccRegister.IGRPEN1, 0);
        assertFalse(host.irq(0));
        assertTrue(host.irq(2));
        assertEquals(SPI, iar1(2));
    }

    @Test
    void irm_spi_with_no_participating_cpu_waits_for_one_to_wake() {
        start();
        for (int cpu = 0; cpu < 4; cpu++) {
            sleep(gic, cpu);
        }
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(IRM).enable();
        gic.pulseSpi(SPI);
        assertEquals(0, cpusWithIrq());
        assertTrue(spiPending(gic, SPI));
        wake(gic, 1);
        assertTrue(host.irq(1));
        assertEquals(1, cpusWithIrq());
        assertEquals(SPI, iar1(1));
    }

    @Test
    void clearing_irm_routes_back_to_the_named_cpu() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(IRM).enable();
        gicd(gic, GICD_IROUTER + 8L * SPI, 8, 0x10000);
        gic.setSpiLevel(SPI, true);
        assertTrue(host.irq(3));
        assertEquals(1, cpusWithIrq());
    }

    // ---------------------------------------------------------------- PPIs

    @Test
    void ppi_line_signals_only_its_own_cpu() {
        start();
        for (int cpu = 0; cpu < 4; cpu++) {
            sgiPpi(gic, cpu, PPI).group(1).priority(0x80).level().enable();
        }
        gic.setPpiLevel(1, PPI, true);
        assertTrue(host.irq(1));
        assertEquals(1, cpusWithIrq());
        assertTrue(ppiPending(1, PPI));
        assertFalse(ppiPending(0, PPI));
        assertEquals(SPURIOUS, iar1(0));
        assertEquals(PPI, iar1(1));
    }

    @Test
    void ppi_enable_is_banked_per_cpu() {
        start();
        sgiPpi(gic, 0, PPI).group(1).priority(0x80).level().enable(); // enabled on CPU 0 only
        gic.setPpiLevel(1, PPI, true);
        assertEquals(0, cpusWithIrq());
        assertTrue(ppiPending(1, PPI));
        sgi(gic, 1, GICR_ISENABLER0, bit(PPI));
        assertTrue(host.fiq(1), "CPU 1's PPI 20 is still in its reset group, Group 0");
        assertFalse(host.irq(1));
        assertEquals(0, cpusWithIrq());
    }

    @Test
    void level_ppi_is_pending_only_while_its_line_is_high() {
        start();
        sgiPpi(gic, 2, PPI).group(1).priority(0x80).level().enable();
        gic.setPpiLevel(2, PPI, true);
        assertTrue(ppiPending(2, PPI));
        assertTrue(host.irq(2));
        gic.setPpiLevel(2, PPI, false);
        assertFalse(ppiPending(2, PPI));
        assertFalse(host.irq(2));
    }

    @Test
    void edge_ppi_stays_pending_after_a_pulse() {
        start();
        sgiPpi(gic, 2, 27).group(1).priority(0x80).edge().enable();
        gic.pulsePpi(2, 27);
        assertTrue(ppiPending(2, 27));
        assertTrue(host.irq(2));
        assertEquals(27, iar1(2));
        assertFalse(ppiPending(2, 27));
    }

    @Test
    void group0_ppi_is_signalled_as_fiq() {
        start();
        sgiPpi(gic, 3, PPI).group(0).priority(0x80).level().enable();
        gic.setPpiLevel(3, PPI, true);
        assertTrue(host.fiq(3));
        assertFalse(host.irq(3));
        assertEquals(PPI, gic.cpu(3).read(IccRegister.IAR0));
    }

    // ---------------------------------------------------------------- level vs edge SPIs

    @Test
    void level_spi_is_pending_while_line_high_and_not_after_it_falls() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        assertTrue(spiPending(gic, SPI));
        assertTrue(host.irq(0));
        gic.setSpiLevel(SPI, false);
        assertFalse(spiPending(gic, SPI));
        assertFalse(host.irq(0));
    }

    @Test
    void level_spi_pulse_leaves_nothing_pending() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.pulseSpi(SPI);
        assertFalse(spiPending(gic, SPI));
        assertFalse(host.irq(0));
    }

    @Test
    void icpendr_does_not_clear_a_level_spi_whose_line_is_high() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        gicd(gic, word(GICD_ICPENDR, SPI), bit(SPI));
        assertTrue(spiPending(gic, SPI));
        assertTrue(host.irq(0));
    }

    @Test
    void ispendr_latch_keeps_level_spi_pending_after_line_falls_until_icpendr() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        gicd(gic, word(GICD_ISPENDR, SPI), bit(SPI));
        gic.setSpiLevel(SPI, false);
        assertTrue(spiPending(gic, SPI));
        assertTrue(host.irq(0));
        gicd(gic, word(GICD_ICPENDR, SPI), bit(SPI));
        assertFalse(spiPending(gic, SPI));
        assertFalse(host.irq(0));
    }

    @Test
    void level_spi_is_signalled_again_after_eoi_while_line_stays_high() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        assertEquals(SPI, iar1(0));
        assertFalse(host.irq(0), "active: not signalled");
        assertTrue(spiPending(gic, SPI), "line still high: active and pending");
        eoi1(0, SPI);
        assertTrue(host.irq(0));
        assertEquals(SPI, iar1(0));
    }

    @Test
    void level_spi_line_falling_before_eoi_leaves_nothing_to_signal() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        assertEquals(SPI, iar1(0));
        gic.setSpiLevel(SPI, false);
        eoi1(0, SPI);
        assertFalse(host.irq(0));
        assertFalse(spiPending(gic, SPI));
        assertFalse(spiActive(gic, SPI));
    }

    @Test
    void edge_spi_pulse_latches_pending_until_icpendr() {
        start();
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(0x1).enable();
        gic.pulseSpi(SPI);
        assertTrue(spiPending(gic, SPI));
        assertTrue(host.irq(1));
        gicd(gic, word(GICD_ICPENDR, SPI), bit(SPI));
        assertFalse(spiPending(gic, SPI));
        assertFalse(host.irq(1));
    }

    @Test
    void edge_spi_held_high_is_pending_once_until_next_rising_edge() {
        start();
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(0x1).enable();
        gic.setSpiLevel(SPI, true);
        assertEquals(SPI, iar1(1));
        eoi1(1, SPI);
        assertFalse(spiPending(gic, SPI), "no new edge while the line stays high");
        assertFalse(host.irq(1));
        gic.setSpiLevel(SPI, true);
        assertFalse(spiPending(gic, SPI), "high to high is not an edge");
        gic.setSpiLevel(SPI, false);
        gic.setSpiLevel(SPI, true);
        assertTrue(spiPending(gic, SPI));
        assertTrue(host.irq(1));
    }

    @Test
    void edge_spi_pulsed_while_active_is_taken_again_after_eoi() {
        start();
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(0x0).enable();
        gic.pulseSpi(SPI);
        assertEquals(SPI, iar1(0));
        gic.pulseSpi(SPI);
        assertTrue(spiPending(gic, SPI));
        assertTrue(spiActive(gic, SPI));
        assertFalse(host.irq(0), "active and pending: not signalled again yet");
        eoi1(0, SPI);
        assertTrue(host.irq(0));
        assertEquals(SPI, iar1(0));
    }

    @Test
    void several_pulses_before_acknowledge_collapse_into_one() {
        start();
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(0x0).enable();
        gic.pulseSpi(SPI);
        gic.pulseSpi(SPI);
        gic.pulseSpi(SPI);
        assertEquals(SPI, iar1(0));
        eoi1(0, SPI);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, iar1(0));
    }

    // ---------------------------------------------------------------- group → IRQ / FIQ

    @Test
    void group1_spi_raises_irq_not_fiq() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        assertTrue(host.irq(0));
        assertFalse(host.fiq(0));
    }

    @Test
    void group0_spi_raises_fiq_not_irq_and_is_acknowledged_through_iar0() {
        start();
        spi(gic, SPI).group(0).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        assertTrue(host.fiq(0));
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, iar1(0), "IAR1 does not acknowledge a Group 0 interrupt");
        assertEquals(SPI, gic.cpu(0).read(IccRegister.IAR0));
        assertFalse(host.fiq(0));
        gic.cpu(0).write(IccRegister.EOIR0, SPI);
        assertFalse(spiActive(gic, SPI));
    }

    @Test
    void interrupts_are_group0_by_default() {
        start();
        gicd(gic, GICD_IPRIORITYR + SPI, 1, 0x80);
        gicd(gic, word(GICD_ISENABLER, SPI), bit(SPI));
        gic.setSpiLevel(SPI, true);
        assertTrue(host.fiq(0));
        assertFalse(host.irq(0));
    }

    @Test
    void changing_group_moves_signal_between_fiq_and_irq() {
        start();
        spi(gic, SPI).group(0).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        assertTrue(host.fiq(0));
        gicd(gic, word(GICD_IGROUPR, SPI), bit(SPI));
        assertFalse(host.fiq(0));
        assertTrue(host.irq(0));
    }

    // ---------------------------------------------------------------- gates

    @Test
    void gicd_enable_grp1_gates_group1_interrupts() {
        start();
        gicd(gic, GICD_CTLR, 0x1); // Group 0 only
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        assertTrue(spiPending(gic, SPI));
        assertEquals(SPURIOUS, iar1(0));
        gicd(gic, GICD_CTLR, 0x3);
        assertTrue(host.irq(0));
        gicd(gic, GICD_CTLR, 0x1);
        assertFalse(host.irq(0), "disabling the group withdraws the signal");
    }

    @Test
    void gicd_enable_grp0_gates_group0_interrupts_only() {
        start();
        gicd(gic, GICD_CTLR, 0x2); // Group 1 only
        spi(gic, 40).group(0).priority(0x80).level().irouter(0x0).enable();
        spi(gic, 41).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(40, true);
        gic.setSpiLevel(41, true);
        assertFalse(host.fiq(0));
        assertTrue(host.irq(0));
        gicd(gic, GICD_CTLR, 0x3);
        assertTrue(host.fiq(0));
    }

    @Test
    void gicd_group_enables_gate_ppis_too() {
        start();
        gicd(gic, GICD_CTLR, 0x0);
        sgiPpi(gic, 0, PPI).group(1).priority(0x80).level().enable();
        gic.setPpiLevel(0, PPI, true);
        assertFalse(host.irq(0));
        gicd(gic, GICD_CTLR, 0x2);
        assertTrue(host.irq(0));
    }

    @Test
    void disabled_spi_is_pending_but_not_signalled_until_enabled() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gicd(gic, word(GICD_ICENABLER, SPI), bit(SPI));
        gic.setSpiLevel(SPI, true);
        assertTrue(spiPending(gic, SPI));
        assertFalse(host.irq(0));
        gicd(gic, word(GICD_ISENABLER, SPI), bit(SPI));
        assertTrue(host.irq(0));
        gicd(gic, word(GICD_ICENABLER, SPI), bit(SPI));
        assertFalse(host.irq(0));
    }

    @Test
    void active_spi_is_not_signalled() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gicd(gic, word(GICD_ISACTIVER, SPI), bit(SPI));
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        gicd(gic, word(GICD_ICACTIVER, SPI), bit(SPI));
        assertTrue(host.irq(0));
    }

    @Test
    void cpu_interface_group_enable_gates_signalling() {
        start();
        gic.cpu(0).write(IccRegister.IGRPEN1, 0);
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        gic.cpu(0).write(IccRegister.IGRPEN1, 1);
        assertTrue(host.irq(0));
    }

    @Test
    void priority_not_below_pmr_is_masked() {
        start();
        spi(gic, SPI).group(1).priority(0xF0).level().irouter(0x0).enable(); // PMR is 0xF0
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, iar1(0));
        gicd(gic, GICD_IPRIORITYR + SPI, 1, 0xE8);
        assertTrue(host.irq(0));
        gic.cpu(0).write(IccRegister.PMR, 0xE8);
        assertFalse(host.irq(0), "raising the mask withdraws the signal");
    }

    @Test
    void pmr_resets_to_mask_everything() {
        gic = TestGic.affinities(FOUR_CPUS).create();
        host = TestGic.host(gic);
        enableGroups(gic);
        wake(gic, 0);
        gic.cpu(0).write(IccRegister.IGRPEN1, 1);
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x0).enable();
        gicd(gic, GICD_IPRIORITYR + SPI, 1, 0x00);
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        gic.cpu(0).write(IccRegister.PMR, 0xF0);
        assertTrue(host.irq(0));
    }

    // ---------------------------------------------------------------- SETSPI / CLRSPI and MSIs

    @Test
    void setspi_nsr_signals_spi_and_clrspi_nsr_withdraws_it() {
        start();
        spi(gic, SPI).group(1).priority(0x80).level().irouter(0x1).enable();
        gicd(gic, GICD_SETSPI_NSR, SPI);
        assertTrue(spiPending(gic, SPI));
        assertTrue(host.irq(1));
        gicd(gic, GICD_CLRSPI_NSR, SPI);
        assertFalse(spiPending(gic, SPI));
        assertFalse(host.irq(1));
    }

    @Test
    void setspi_nsr_on_edge_spi_is_acknowledged_once() {
        start();
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(0x1).enable();
        gicd(gic, GICD_SETSPI_NSR, SPI);
        assertEquals(SPI, iar1(1));
        eoi1(1, SPI);
        assertFalse(host.irq(1));
        assertFalse(spiPending(gic, SPI));
    }

    @Test
    void msi_to_setspi_nsr_is_a_gic_doorbell_that_pends_the_spi() {
        start();
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(0x100).enable();
        assertTrue(gic.msi(CFG.distributorBase() + GICD_SETSPI_NSR, 4, SPI, 7));
        assertTrue(spiPending(gic, SPI));
        assertTrue(host.irq(2));
    }

    @Test
    void msi_to_an_address_outside_the_gic_is_not_claimed() {
        start();
        assertFalse(gic.msi(RAM_BASE + 0x1000, 4, SPI, 7));
        assertFalse(spiPending(gic, SPI));
    }

    // ---------------------------------------------------------------- lines, bad input, close

    @Test
    void every_new_interrupt_after_eoi_is_a_new_rising_edge_on_irq() {
        start();
        spi(gic, SPI).group(1).priority(0x80).edge().irouter(0x0).enable();
        gic.pulseSpi(SPI);
        assertEquals(SPI, iar1(0));
        eoi1(0, SPI);
        gic.pulseSpi(SPI);
        assertEquals(SPI, iar1(0));
        eoi1(0, SPI);
        assertEquals(2, host.irqRaises(0));
        assertEquals(0, host.irqRaises(1));
    }

    @Test
    void higher_priority_spi_preempts_lower_priority_active_one() {
        start();
        spi(gic, 40).group(1).priority(0xA0).level().irouter(0x0).enable();
        spi(gic, 41).group(1).priority(0x40).level().irouter(0x0).enable();
        gic.setSpiLevel(40, true);
        assertEquals(40, iar1(0));
        assertFalse(host.irq(0));
        gic.setSpiLevel(41, true);
        assertTrue(host.irq(0));
        assertEquals(41, iar1(0));
    }

    @Test
    void set_spi_level_of_unimplemented_intid_is_ignored() {
        gic = TestGic.affinities(FOUR_CPUS).lenient().create();
        host = TestGic.host(gic);
        gic.setSpiLevel(96, true);
        gic.setSpiLevel(5, true);
        gic.setSpiLevel(1020, true);
        gic.setSpiLevel(-1, true);
        for (int n = 0; n < 32; n++) {
            assertEquals(0, gicd(gic, GICD_ISPENDR + 4L * n));
        }
    }

    @Test
    void set_ppi_level_of_non_ppi_intid_is_ignored() {
        gic = TestGic.affinities(FOUR_CPUS).lenient().create();
        host = TestGic.host(gic);
        gic.setPpiLevel(0, 3, true);
        gic.setPpiLevel(0, 32, true);
        gic.setPpiLevel(7, PPI, true); // no CPU 7
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(0, sgi(gic, cpu, GICR_ISPENDR0));
        }
    }

    @Test
    void close_lowers_every_raised_line() {
        start();
        spi(gic, 40).group(1).priority(0x80).level().irouter(0x0).enable();
        spi(gic, 41).group(0).priority(0x80).level().irouter(0x1).enable();
        gic.setSpiLevel(40, true);
        gic.setSpiLevel(41, true);
        assertTrue(host.irq(0));
        assertTrue(host.fiq(1));
        gic.close();
        gic = null;
        assertFalse(host.irq(0));
        assertFalse(host.fiq(1));
    }

    @Test
    void irouter_write_does_not_disturb_other_spis_routes() {
        start();
        spi(gic, 40).group(1).priority(0x80).level().irouter(0x1).enable();
        spi(gic, 41).group(1).priority(0x80).level().irouter(0x1).enable();
        gicd(gic, GICD_IROUTER + 8L * 40, 8, 0x100);
        assertEquals(0x1, gicdRead(gic, GICD_IROUTER + 8L * 41, 8));
        gic.setSpiLevel(41, true);
        assertTrue(host.irq(1));
        assertFalse(host.irq(2));
    }
}
