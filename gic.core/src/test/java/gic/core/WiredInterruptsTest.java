package gic.core;

import static gic.core.Regs.gicd;
import static gic.core.Regs.gicdRead;
import static gic.core.Regs.gicr;
import static gic.core.Regs.sgi;
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

    static final long RAM_BASE = 0x4000_0000L;
    static final int RAM_SIZE = 16 << 20;
    static final List<Integer> AFFINITIES = List.of(0x0, 0x1, 0x100, 0x10000);
    static final GicConfig CFG = new GicConfig(AFFINITIES, 64, 16, 5, 0x0800_0000L, 0x080A_0000L, List.of());

    static final long GICD_CTLR = 0x0000;
    static final long GICD_SETSPI_NSR = 0x0040;
    static final long GICD_CLRSPI_NSR = 0x0048;
    static final long IGROUPR = 0x0080;
    static final long ISENABLER = 0x0100;
    static final long ICENABLER = 0x0180;
    static final long ISPENDR = 0x0200;
    static final long ICPENDR = 0x0280;
    static final long ISACTIVER = 0x0300;
    static final long IPRIORITYR = 0x0400;
    static final long ICFGR = 0x0C00;
    static final long IROUTER = 0x6000;
    static final long GICR_WAKER = 0x0014;
    static final long IRM = 1L << 31;
    static final int SPURIOUS = 1023;

    static final int SPI = 40;
    static final int PPI = 20;

    private Gic gic;
    private TestHost host;

    @AfterEach
    void close() {
        if (gic != null) {
            gic.close();
        }
    }

    /** A GIC as an OS leaves it: distributor groups on, every CPU awake, PMR 0xF0, both groups enabled. */
    private Gic start(GicConfig cfg) {
        host = new TestHost(RAM_BASE, RAM_SIZE);
        gic = GicCore.create(cfg, host);
        gicd(gic, GICD_CTLR, 0x3);
        for (int cpu = 0; cpu < cfg.cpuCount(); cpu++) {
            wake(cpu);
            gic.cpu(cpu).write(IccRegister.PMR, 0xF0);
            gic.cpu(cpu).write(IccRegister.IGRPEN0, 1);
            gic.cpu(cpu).write(IccRegister.IGRPEN1, 1);
        }
        return gic;
    }

    private Gic start() {
        return start(CFG);
    }

    private void wake(int cpu) {
        gicr(gic, cpu, GICR_WAKER, 0);
    }

    private void sleep(int cpu) {
        gicr(gic, cpu, GICR_WAKER, 0x2);
    }

    private static long bit(int intid) {
        return 1L << (intid % 32);
    }

    private static long word(long base, int intid) {
        return base + 4L * (intid / 32);
    }

    /** Configures an SPI: group, priority, trigger, route (raw GICD_IROUTER value), then enables it. */
    private void spi(int intid, int group, int priority, boolean edge, long route) {
        long grp = gicd(gic, word(IGROUPR, intid));
        gicd(gic, word(IGROUPR, intid), group == 1 ? grp | bit(intid) : grp & ~bit(intid));
        gicd(gic, IPRIORITYR + intid, 1, priority);
        long cfgOff = ICFGR + 4L * (intid / 16);
        long edgeBit = 1L << (2 * (intid % 16) + 1);
        long cfg = gicd(gic, cfgOff);
        gicd(gic, cfgOff, edge ? cfg | edgeBit : cfg & ~edgeBit);
        gicd(gic, IROUTER + 8L * intid, 8, route);
        gicd(gic, word(ISENABLER, intid), bit(intid));
    }

    private void level1Spi(int intid, long route) {
        spi(intid, 1, 0x80, false, route);
    }

    /** Configures a PPI on one CPU's redistributor and enables it. */
    private void ppi(int cpu, int intid, int group, boolean edge) {
        long grp = sgi(gic, cpu, IGROUPR);
        sgi(gic, cpu, IGROUPR, group == 1 ? grp | bit(intid) : grp & ~bit(intid));
        Regs.sgi(gic, cpu, IPRIORITYR + intid, 1, 0x80);
        long edgeBit = 1L << (2 * (intid % 16) + 1);
        long cfg = sgi(gic, cpu, ICFGR + 4);
        sgi(gic, cpu, ICFGR + 4, edge ? cfg | edgeBit : cfg & ~edgeBit);
        sgi(gic, cpu, ISENABLER, bit(intid));
    }

    private boolean spiPending(int intid) {
        return (gicd(gic, word(ISPENDR, intid)) & bit(intid)) != 0;
    }

    private boolean spiActive(int intid) {
        return (gicd(gic, word(ISACTIVER, intid)) & bit(intid)) != 0;
    }

    private boolean ppiPending(int cpu, int intid) {
        return (sgi(gic, cpu, ISPENDR) & bit(intid)) != 0;
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

    // ---------------------------------------------------------------- routing by IROUTER (IRM = 0)

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void spi_is_signalled_only_on_the_cpu_whose_affinity_irouter_names(int target) {
        start();
        level1Spi(SPI, AFFINITIES.get(target));
        gic.setSpiLevel(SPI, true);
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(cpu == target, host.irq(cpu), "irq of cpu " + cpu);
            assertFalse(host.fiq(cpu), "fiq of cpu " + cpu);
        }
    }

    @Test
    void target_cpu_acknowledges_spi_and_its_irq_drops() {
        start();
        spi(SPI, 1, 0x80, true, 0x100);
        gic.pulseSpi(SPI);
        assertTrue(host.irq(2));
        assertEquals(SPURIOUS, iar1(0), "cpu 0 is not the target");
        assertEquals(SPI, iar1(2));
        assertFalse(host.irq(2));
        assertTrue(spiActive(SPI));
        assertFalse(spiPending(SPI));
        eoi1(2, SPI);
        assertFalse(spiActive(SPI), "EOImode 0: EOIR deactivates");
    }

    @Test
    void spi_routed_to_affinity_of_no_cpu_stays_pending_until_rerouted() {
        start();
        spi(SPI, 1, 0x80, true, 0x5); // Aff0 = 5: no such CPU
        gic.pulseSpi(SPI);
        assertTrue(spiPending(SPI));
        assertEquals(0, cpusWithIrq());
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(SPURIOUS, iar1(cpu));
        }
        gicd(gic, IROUTER + 8L * SPI, 8, 0x1);
        assertTrue(host.irq(1));
        assertEquals(1, cpusWithIrq());
        assertEquals(SPI, iar1(1));
    }

    @Test
    void rerouting_a_pending_spi_moves_its_signal_to_the_new_cpu() {
        start();
        level1Spi(SPI, 0x0);
        gic.setSpiLevel(SPI, true);
        assertTrue(host.irq(0));
        gicd(gic, IROUTER + 8L * SPI, 8, 0x10000);
        assertFalse(host.irq(0));
        assertTrue(host.irq(3));
        assertEquals(SPURIOUS, iar1(0));
        assertEquals(SPI, iar1(3));
    }

    @Test
    void rerouting_by_32bit_low_half_write_moves_the_spi() {
        start();
        level1Spi(SPI, 0x0);
        gic.setSpiLevel(SPI, true);
        gicd(gic, IROUTER + 8L * SPI, 0x1);
        assertFalse(host.irq(0));
        assertTrue(host.irq(1));
    }

    @Test
    void irouter_aff3_selects_cpu_by_all_four_affinity_levels() {
        start(new GicConfig(List.of(0x0000_0000, 0x0100_0000, 0x0200_0000), 32, 16, 5, 0x0800_0000L,
            0x080A_0000L, List.of()));
        level1Spi(SPI, 1L << 32); // Aff3 = 1
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        assertTrue(host.irq(1));
        assertFalse(host.irq(2));
        gicd(gic, IROUTER + 8L * SPI + 4, 0x2); // high half: Aff3 = 2
        assertFalse(host.irq(1));
        assertTrue(host.irq(2));
    }

    @Test
    void irouter_reset_value_routes_to_affinity_zero() {
        start();
        gicd(gic, word(IGROUPR, SPI), bit(SPI));
        gicd(gic, word(ISENABLER, SPI), bit(SPI));
        gic.setSpiLevel(SPI, true);
        assertTrue(host.irq(0));
        assertEquals(1, cpusWithIrq());
    }

    @Test
    void different_spis_reach_different_cpus() {
        start();
        level1Spi(40, 0x0);
        level1Spi(41, 0x1);
        level1Spi(90, 0x100);
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
        sleep(1); // not participating: asleep
        sleep(2);
        spi(SPI, 1, 0x80, true, IRM);
        gic.pulseSpi(SPI);
        assertTrue(host.irq(3));
        assertEquals(1, cpusWithIrq());
        assertEquals(SPI, iar1(3));
    }

    @Test
    void irm_spi_is_acknowledged_by_exactly_one_cpu() {
        start();
        spi(SPI, 1, 0x80, true, IRM | 0x100);
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
        assertTrue(spiActive(SPI));
    }

    @Test
    void irm_spi_moves_to_another_participating_cpu_when_its_cpu_stops_participating() {
        start();
        for (int cpu = 1; cpu < 4; cpu++) {
            gic.cpu(cpu).write(IccRegister.IGRPEN1, 0);
        }
        level1Spi(SPI, IRM);
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
            sleep(cpu);
        }
        spi(SPI, 1, 0x80, true, IRM);
        gic.pulseSpi(SPI);
        assertEquals(0, cpusWithIrq());
        assertTrue(spiPending(SPI));
        wake(1);
        assertTrue(host.irq(1));
        assertEquals(1, cpusWithIrq());
        assertEquals(SPI, iar1(1));
    }

    @Test
    void clearing_irm_routes_back_to_the_named_cpu() {
        start();
        level1Spi(SPI, IRM);
        gicd(gic, IROUTER + 8L * SPI, 8, 0x10000);
        gic.setSpiLevel(SPI, true);
        assertTrue(host.irq(3));
        assertEquals(1, cpusWithIrq());
    }

    // ---------------------------------------------------------------- PPIs

    @Test
    void ppi_line_signals_only_its_own_cpu() {
        start();
        for (int cpu = 0; cpu < 4; cpu++) {
            ppi(cpu, PPI, 1, false);
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
        ppi(0, PPI, 1, false); // enabled on CPU 0 only
        gic.setPpiLevel(1, PPI, true);
        assertEquals(0, cpusWithIrq());
        assertTrue(ppiPending(1, PPI));
        sgi(gic, 1, ISENABLER, bit(PPI));
        assertTrue(host.fiq(1), "CPU 1's PPI 20 is still in its reset group, Group 0");
        assertFalse(host.irq(1));
        assertEquals(0, cpusWithIrq());
    }

    @Test
    void level_ppi_is_pending_only_while_its_line_is_high() {
        start();
        ppi(2, PPI, 1, false);
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
        ppi(2, 27, 1, true);
        gic.pulsePpi(2, 27);
        assertTrue(ppiPending(2, 27));
        assertTrue(host.irq(2));
        assertEquals(27, iar1(2));
        assertFalse(ppiPending(2, 27));
    }

    @Test
    void group0_ppi_is_signalled_as_fiq() {
        start();
        ppi(3, PPI, 0, false);
        gic.setPpiLevel(3, PPI, true);
        assertTrue(host.fiq(3));
        assertFalse(host.irq(3));
        assertEquals(PPI, gic.cpu(3).read(IccRegister.IAR0));
    }

    // ---------------------------------------------------------------- level vs edge SPIs

    @Test
    void level_spi_is_pending_while_line_high_and_not_after_it_falls() {
        start();
        level1Spi(SPI, 0x0);
        gic.setSpiLevel(SPI, true);
        assertTrue(spiPending(SPI));
        assertTrue(host.irq(0));
        gic.setSpiLevel(SPI, false);
        assertFalse(spiPending(SPI));
        assertFalse(host.irq(0));
    }

    @Test
    void level_spi_pulse_leaves_nothing_pending() {
        start();
        level1Spi(SPI, 0x0);
        gic.pulseSpi(SPI);
        assertFalse(spiPending(SPI));
        assertFalse(host.irq(0));
    }

    @Test
    void icpendr_does_not_clear_a_level_spi_whose_line_is_high() {
        start();
        level1Spi(SPI, 0x0);
        gic.setSpiLevel(SPI, true);
        gicd(gic, word(ICPENDR, SPI), bit(SPI));
        assertTrue(spiPending(SPI));
        assertTrue(host.irq(0));
    }

    @Test
    void ispendr_latch_keeps_level_spi_pending_after_line_falls_until_icpendr() {
        start();
        level1Spi(SPI, 0x0);
        gic.setSpiLevel(SPI, true);
        gicd(gic, word(ISPENDR, SPI), bit(SPI));
        gic.setSpiLevel(SPI, false);
        assertTrue(spiPending(SPI));
        assertTrue(host.irq(0));
        gicd(gic, word(ICPENDR, SPI), bit(SPI));
        assertFalse(spiPending(SPI));
        assertFalse(host.irq(0));
    }

    @Test
    void level_spi_is_signalled_again_after_eoi_while_line_stays_high() {
        start();
        level1Spi(SPI, 0x0);
        gic.setSpiLevel(SPI, true);
        assertEquals(SPI, iar1(0));
        assertFalse(host.irq(0), "active: not signalled");
        assertTrue(spiPending(SPI), "line still high: active and pending");
        eoi1(0, SPI);
        assertTrue(host.irq(0));
        assertEquals(SPI, iar1(0));
    }

    @Test
    void level_spi_line_falling_before_eoi_leaves_nothing_to_signal() {
        start();
        level1Spi(SPI, 0x0);
        gic.setSpiLevel(SPI, true);
        assertEquals(SPI, iar1(0));
        gic.setSpiLevel(SPI, false);
        eoi1(0, SPI);
        assertFalse(host.irq(0));
        assertFalse(spiPending(SPI));
        assertFalse(spiActive(SPI));
    }

    @Test
    void edge_spi_pulse_latches_pending_until_icpendr() {
        start();
        spi(SPI, 1, 0x80, true, 0x1);
        gic.pulseSpi(SPI);
        assertTrue(spiPending(SPI));
        assertTrue(host.irq(1));
        gicd(gic, word(ICPENDR, SPI), bit(SPI));
        assertFalse(spiPending(SPI));
        assertFalse(host.irq(1));
    }

    @Test
    void edge_spi_held_high_is_pending_once_until_next_rising_edge() {
        start();
        spi(SPI, 1, 0x80, true, 0x1);
        gic.setSpiLevel(SPI, true);
        assertEquals(SPI, iar1(1));
        eoi1(1, SPI);
        assertFalse(spiPending(SPI), "no new edge while the line stays high");
        assertFalse(host.irq(1));
        gic.setSpiLevel(SPI, true);
        assertFalse(spiPending(SPI), "high to high is not an edge");
        gic.setSpiLevel(SPI, false);
        gic.setSpiLevel(SPI, true);
        assertTrue(spiPending(SPI));
        assertTrue(host.irq(1));
    }

    @Test
    void edge_spi_pulsed_while_active_is_taken_again_after_eoi() {
        start();
        spi(SPI, 1, 0x80, true, 0x0);
        gic.pulseSpi(SPI);
        assertEquals(SPI, iar1(0));
        gic.pulseSpi(SPI);
        assertTrue(spiPending(SPI));
        assertTrue(spiActive(SPI));
        assertFalse(host.irq(0), "active and pending: not signalled again yet");
        eoi1(0, SPI);
        assertTrue(host.irq(0));
        assertEquals(SPI, iar1(0));
    }

    @Test
    void several_pulses_before_acknowledge_collapse_into_one() {
        start();
        spi(SPI, 1, 0x80, true, 0x0);
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
        spi(SPI, 1, 0x80, false, 0x0);
        gic.setSpiLevel(SPI, true);
        assertTrue(host.irq(0));
        assertFalse(host.fiq(0));
    }

    @Test
    void group0_spi_raises_fiq_not_irq_and_is_acknowledged_through_iar0() {
        start();
        spi(SPI, 0, 0x80, false, 0x0);
        gic.setSpiLevel(SPI, true);
        assertTrue(host.fiq(0));
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, iar1(0), "IAR1 does not acknowledge a Group 0 interrupt");
        assertEquals(SPI, gic.cpu(0).read(IccRegister.IAR0));
        assertFalse(host.fiq(0));
        gic.cpu(0).write(IccRegister.EOIR0, SPI);
        assertFalse(spiActive(SPI));
    }

    @Test
    void interrupts_are_group0_by_default() {
        start();
        gicd(gic, IPRIORITYR + SPI, 1, 0x80);
        gicd(gic, word(ISENABLER, SPI), bit(SPI));
        gic.setSpiLevel(SPI, true);
        assertTrue(host.fiq(0));
        assertFalse(host.irq(0));
    }

    @Test
    void changing_group_moves_signal_between_fiq_and_irq() {
        start();
        spi(SPI, 0, 0x80, false, 0x0);
        gic.setSpiLevel(SPI, true);
        assertTrue(host.fiq(0));
        gicd(gic, word(IGROUPR, SPI), bit(SPI));
        assertFalse(host.fiq(0));
        assertTrue(host.irq(0));
    }

    // ---------------------------------------------------------------- gates

    @Test
    void gicd_enable_grp1_gates_group1_interrupts() {
        start();
        gicd(gic, GICD_CTLR, 0x1); // Group 0 only
        level1Spi(SPI, 0x0);
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        assertTrue(spiPending(SPI));
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
        spi(40, 0, 0x80, false, 0x0);
        spi(41, 1, 0x80, false, 0x0);
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
        ppi(0, PPI, 1, false);
        gic.setPpiLevel(0, PPI, true);
        assertFalse(host.irq(0));
        gicd(gic, GICD_CTLR, 0x2);
        assertTrue(host.irq(0));
    }

    @Test
    void disabled_spi_is_pending_but_not_signalled_until_enabled() {
        start();
        level1Spi(SPI, 0x0);
        gicd(gic, word(ICENABLER, SPI), bit(SPI));
        gic.setSpiLevel(SPI, true);
        assertTrue(spiPending(SPI));
        assertFalse(host.irq(0));
        gicd(gic, word(ISENABLER, SPI), bit(SPI));
        assertTrue(host.irq(0));
        gicd(gic, word(ICENABLER, SPI), bit(SPI));
        assertFalse(host.irq(0));
    }

    @Test
    void active_spi_is_not_signalled() {
        start();
        level1Spi(SPI, 0x0);
        gicd(gic, word(ISACTIVER, SPI), bit(SPI));
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        gicd(gic, 0x0380 + 4L * (SPI / 32), bit(SPI)); // ICACTIVER
        assertTrue(host.irq(0));
    }

    @Test
    void cpu_interface_group_enable_gates_signalling() {
        start();
        gic.cpu(0).write(IccRegister.IGRPEN1, 0);
        level1Spi(SPI, 0x0);
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        gic.cpu(0).write(IccRegister.IGRPEN1, 1);
        assertTrue(host.irq(0));
    }

    @Test
    void priority_not_below_pmr_is_masked() {
        start();
        spi(SPI, 1, 0xF0, false, 0x0); // PMR is 0xF0
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        assertEquals(SPURIOUS, iar1(0));
        gicd(gic, IPRIORITYR + SPI, 1, 0xE8);
        assertTrue(host.irq(0));
        gic.cpu(0).write(IccRegister.PMR, 0xE8);
        assertFalse(host.irq(0), "raising the mask withdraws the signal");
    }

    @Test
    void pmr_resets_to_mask_everything() {
        host = new TestHost(RAM_BASE, RAM_SIZE);
        gic = GicCore.create(CFG, host);
        gicd(gic, GICD_CTLR, 0x3);
        wake(0);
        gic.cpu(0).write(IccRegister.IGRPEN1, 1);
        level1Spi(SPI, 0x0);
        gicd(gic, IPRIORITYR + SPI, 1, 0x00);
        gic.setSpiLevel(SPI, true);
        assertFalse(host.irq(0));
        gic.cpu(0).write(IccRegister.PMR, 0xF0);
        assertTrue(host.irq(0));
    }

    // ---------------------------------------------------------------- SETSPI / CLRSPI and MSIs

    @Test
    void setspi_nsr_signals_spi_and_clrspi_nsr_withdraws_it() {
        start();
        level1Spi(SPI, 0x1);
        gicd(gic, GICD_SETSPI_NSR, SPI);
        assertTrue(spiPending(SPI));
        assertTrue(host.irq(1));
        gicd(gic, GICD_CLRSPI_NSR, SPI);
        assertFalse(spiPending(SPI));
        assertFalse(host.irq(1));
    }

    @Test
    void setspi_nsr_on_edge_spi_is_acknowledged_once() {
        start();
        spi(SPI, 1, 0x80, true, 0x1);
        gicd(gic, GICD_SETSPI_NSR, SPI);
        assertEquals(SPI, iar1(1));
        eoi1(1, SPI);
        assertFalse(host.irq(1));
        assertFalse(spiPending(SPI));
    }

    @Test
    void msi_to_setspi_nsr_is_a_gic_doorbell_that_pends_the_spi() {
        start();
        spi(SPI, 1, 0x80, true, 0x100);
        assertTrue(gic.msi(CFG.distributorBase() + GICD_SETSPI_NSR, 4, SPI, 7));
        assertTrue(spiPending(SPI));
        assertTrue(host.irq(2));
    }

    @Test
    void msi_to_an_address_outside_the_gic_is_not_claimed() {
        start();
        assertFalse(gic.msi(RAM_BASE + 0x1000, 4, SPI, 7));
        assertFalse(spiPending(SPI));
    }

    // ---------------------------------------------------------------- lines, bad input, close

    @Test
    void every_new_interrupt_after_eoi_is_a_new_rising_edge_on_irq() {
        start();
        spi(SPI, 1, 0x80, true, 0x0);
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
        spi(40, 1, 0xA0, false, 0x0);
        spi(41, 1, 0x40, false, 0x0);
        gic.setSpiLevel(40, true);
        assertEquals(40, iar1(0));
        assertFalse(host.irq(0));
        gic.setSpiLevel(41, true);
        assertTrue(host.irq(0));
        assertEquals(41, iar1(0));
    }

    @Test
    void set_spi_level_of_unimplemented_intid_is_ignored() {
        host = TestHost.lenient(RAM_BASE, RAM_SIZE);
        gic = GicCore.create(CFG, host);
        gic.setSpiLevel(96, true);
        gic.setSpiLevel(5, true);
        gic.setSpiLevel(1020, true);
        gic.setSpiLevel(-1, true);
        for (int n = 0; n < 32; n++) {
            assertEquals(0, gicd(gic, ISPENDR + 4L * n));
        }
    }

    @Test
    void set_ppi_level_of_non_ppi_intid_is_ignored() {
        host = TestHost.lenient(RAM_BASE, RAM_SIZE);
        gic = GicCore.create(CFG, host);
        gic.setPpiLevel(0, 3, true);
        gic.setPpiLevel(0, 32, true);
        gic.setPpiLevel(7, PPI, true); // no CPU 7
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(0, sgi(gic, cpu, ISPENDR));
        }
    }

    @Test
    void close_lowers_every_raised_line() {
        start();
        spi(40, 1, 0x80, false, 0x0);
        spi(41, 0, 0x80, false, 0x1);
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
        level1Spi(40, 0x1);
        level1Spi(41, 0x1);
        gicd(gic, IROUTER + 8L * 40, 8, 0x100);
        assertEquals(0x1, gicdRead(gic, IROUTER + 8L * 41, 8));
        gic.setSpiLevel(41, true);
        assertTrue(host.irq(1));
        assertFalse(host.irq(2));
    }
}
