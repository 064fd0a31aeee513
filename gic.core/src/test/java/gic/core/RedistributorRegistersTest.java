package gic.core;

import static gic.core.Regs.gicr;
import static gic.core.Regs.gicrRead;
import static gic.core.Regs.guestErrorCount;
import static gic.core.Regs.sgi;
import static gic.core.Regs.sgiRead;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.MmioRegion;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** GICR RD_base and SGI_base register values, access rules and guest errors (CORE.md §2). */
class RedistributorRegistersTest {

    /** RAM for tables up to 0x4040_0000 and beyond. */
    static final int RAM_SIZE = 16 << 20;
    static final List<Integer> AFFINITIES = TestGic.FOUR_CPUS;
    static final GicConfig CFG = TestGic.affinities(AFFINITIES).config();

    // RD_base
    static final long CTLR = 0x0000;
    static final long IIDR = 0x0004;
    static final long TYPER = 0x0008;
    static final long WAKER = 0x0014;
    static final long SETLPIR = 0x0040;
    static final long PROPBASER = 0x0070;
    static final long PENDBASER = 0x0078;
    static final long PIDR2 = 0xFFE8;
    // SGI_base
    static final long IGROUPR0 = 0x0080;
    static final long ISENABLER0 = 0x0100;
    static final long ICENABLER0 = 0x0180;
    static final long ISPENDR0 = 0x0200;
    static final long ICPENDR0 = 0x0280;
    static final long ISACTIVER0 = 0x0300;
    static final long ICACTIVER0 = 0x0380;
    static final long IPRIORITYR = 0x0400;
    static final long ICFGR0 = 0x0C00;
    static final long ICFGR1 = 0x0C04;
    static final long IGRPMODR0 = 0x0D00;
    static final long NSACR = 0x0E00;

    static final long CTLR_ENABLE_LPIS = 1;
    static final long CTLR_CES = 1 << 1;

    /** A PROPBASER value as Linux writes it: table in RAM, Inner Shareable, RaWaWb, 16 ID bits. */
    static final long PROPBASER_VALUE = 0x4010_0000L | (1L << 10) | (7L << 7) | 15;
    /** A PENDBASER value: 64 KiB aligned table in RAM, Inner Shareable, RaWaWb. */
    static final long PENDBASER_VALUE = 0x4020_0000L | (1L << 10) | (7L << 7);

    private GicCore gic;
    private TestHost host;

    /** A GIC of {@link #CFG} on a host that fails the test on any guest error. */
    private Gic strict() {
        return start(TestGic.affinities(TestGic.FOUR_CPUS));
    }

    /** A GIC of {@link #CFG} on a host that only records guest errors. */
    private Gic lenient() {
        return start(TestGic.affinities(TestGic.FOUR_CPUS).lenient());
    }

    private Gic start(TestGic.Builder machine) {
        gic = machine.ramSize(RAM_SIZE).create();
        host = TestGic.host(gic);
        return gic;
    }

    @AfterEach
    void close() {
        if (gic != null) {
            gic.close();
        }
    }

    // ---------------------------------------------------------------- region

    @Test
    void redistributor_region_holds_two_frames_per_cpu() {
        Gic g = strict();
        MmioRegion r = g.regionAt(CFG.redistributorBase());
        assertNotNull(r);
        assertEquals("GICR", r.name());
        assertEquals(CFG.redistributorBase(), r.base());
        assertEquals(GicConfig.REDISTRIBUTOR_STRIDE * 4, r.size());
        assertEquals("none", g.lpiMode());
    }

    // ---------------------------------------------------------------- ID registers

    @Test
    void pidr2_of_every_rd_base_reports_gicv3() {
        Gic g = strict();
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(0x3B, gicr(g, cpu, PIDR2), "cpu " + cpu);
        }
    }

    @Test
    void typer_reports_plpis_processor_number_affinity_and_last() {
        Gic g = strict();
        for (int cpu = 0; cpu < 4; cpu++) {
            long expected = ((long) AFFINITIES.get(cpu) << 32) | ((long) cpu << 8) | (cpu == 3 ? 1L << 4 : 0) | 1L;
            assertEquals(expected, gicrRead(g, cpu, TYPER, 8), "cpu " + cpu);
        }
    }

    @Test
    void typer_has_no_direct_lpi_no_vlpis_and_common_lpi_aff_zero() {
        Gic g = strict();
        long typer = gicrRead(g, 0, TYPER, 8);
        assertEquals(0, typer & (1 << 3), "DirectLPI");
        assertEquals(0, typer & (1 << 1), "VLPIS");
        assertEquals(0, (typer >> 24) & 3, "CommonLPIAff");
        assertEquals(0, (typer >> 27) & 0x1F, "PPInum");
    }

    @Test
    void typer_32bit_halves_match_64bit_value() {
        Gic g = strict();
        for (int cpu = 0; cpu < 4; cpu++) {
            long full = gicrRead(g, cpu, TYPER, 8);
            assertEquals(full & 0xFFFF_FFFFL, gicr(g, cpu, TYPER));
            assertEquals(full >>> 32, gicr(g, cpu, TYPER + 4));
        }
    }

    @Test
    void typer_affinity_includes_aff3() {
        start(TestGic.affinities(List.of(0x0100_0203, 0x0200_0000)).spis(32));
        assertEquals(0x0100_0203L, gicr(gic, 0, TYPER + 4));
        assertEquals(0x0200_0000L, gicr(gic, 1, TYPER + 4));
        assertEquals(0, gicr(gic, 0, TYPER) & (1 << 4), "cpu 0 is not last");
        assertEquals(1 << 4, gicr(gic, 1, TYPER) & (1 << 4), "cpu 1 is last");
        assertEquals(1 << 8, gicr(gic, 1, TYPER) & 0xFFFF00L, "Processor_Number");
    }

    @Test
    void single_cpu_redistributor_is_last() {
        start(TestGic.cpus(1).spis(256)); // GicConfig.virt(1) without its ITS
        assertEquals(1 << 4, gicr(gic, 0, TYPER) & (1 << 4));
    }

    @Test
    void typer_ignores_writes() {
        Gic g = lenient();
        long before = gicrRead(g, 1, TYPER, 8);
        gicr(g, 1, TYPER, 8, 0);
        gicr(g, 1, TYPER, 0xFFFF_FFFFL);
        assertEquals(before, gicrRead(g, 1, TYPER, 8));
    }

    // ---------------------------------------------------------------- CTLR

    @Test
    void ctlr_resets_with_only_ces_set() {
        Gic g = strict();
        assertEquals(CTLR_CES, gicr(g, 0, CTLR));
    }

    @Test
    void ctlr_enable_lpis_can_be_set_and_cleared_again() {
        Gic g = strict();
        programLpiTables(g, 0);
        gicr(g, 0, CTLR, CTLR_ENABLE_LPIS);
        assertEquals(CTLR_CES | CTLR_ENABLE_LPIS, gicr(g, 0, CTLR));
        gicr(g, 0, CTLR, 0);
        assertEquals(CTLR_CES, gicr(g, 0, CTLR), "CES=1: EnableLPIs clears again");
    }

    @Test
    void ctlr_only_enable_lpis_is_writable_and_ir_rwp_read_zero() {
        Gic g = strict();
        programLpiTables(g, 0);
        gicr(g, 0, CTLR, 0xFFFF_FFFFL);
        assertEquals(CTLR_CES | CTLR_ENABLE_LPIS, gicr(g, 0, CTLR));
    }

    @Test
    void ctlr_is_banked_per_redistributor() {
        Gic g = strict();
        programLpiTables(g, 2);
        gicr(g, 2, CTLR, CTLR_ENABLE_LPIS);
        assertEquals(CTLR_CES, gicr(g, 0, CTLR));
        assertEquals(CTLR_CES | CTLR_ENABLE_LPIS, gicr(g, 2, CTLR));
    }

    // ---------------------------------------------------------------- WAKER

    @Test
    void waker_resets_with_processor_and_children_asleep() {
        Gic g = strict();
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(0x6, gicr(g, cpu, WAKER));
        }
    }

    @Test
    void waker_clearing_processor_sleep_clears_children_asleep() {
        Gic g = strict();
        gicr(g, 1, WAKER, 0);
        assertEquals(0, gicr(g, 1, WAKER));
        assertEquals(0x6, gicr(g, 0, WAKER), "other redistributors stay asleep");
        gicr(g, 1, WAKER, 0x2);
        assertEquals(0x6, gicr(g, 1, WAKER), "setting ProcessorSleep puts children asleep again");
    }

    @Test
    void waker_children_asleep_is_read_only() {
        Gic g = strict();
        gicr(g, 0, WAKER, 0x4);
        assertEquals(0, gicr(g, 0, WAKER));
    }

    // ---------------------------------------------------------------- PROPBASER / PENDBASER

    private static void programLpiTables(Gic g, int cpu) {
        gicr(g, cpu, PROPBASER, 8, PROPBASER_VALUE);
        gicr(g, cpu, PENDBASER, 8, PENDBASER_VALUE);
    }

    @Test
    void propbaser_and_pendbaser_reset_to_zero() {
        Gic g = strict();
        assertEquals(0, gicrRead(g, 0, PROPBASER, 8));
        assertEquals(0, gicrRead(g, 0, PENDBASER, 8));
    }

    @Test
    void propbaser_64bit_write_reads_back() {
        Gic g = strict();
        gicr(g, 0, PROPBASER, 8, PROPBASER_VALUE);
        assertEquals(PROPBASER_VALUE, gicrRead(g, 0, PROPBASER, 8));
    }

    @Test
    void propbaser_res0_bits_read_zero() {
        Gic g = strict();
        long res0 = (0x1FL << 59) | (0xFL << 52) | (0x3L << 5);
        gicr(g, 0, PROPBASER, 8, PROPBASER_VALUE | res0);
        assertEquals(PROPBASER_VALUE, gicrRead(g, 0, PROPBASER, 8));
    }

    @Test
    void propbaser_32bit_halves_write_and_read() {
        Gic g = strict();
        long value = PROPBASER_VALUE | (0x3L << 56) | (0x1L << 32); // OuterCache and PA bit 32
        gicr(g, 0, PROPBASER, value & 0xFFFF_FFFFL);
        gicr(g, 0, PROPBASER + 4, value >>> 32);
        assertEquals(value, gicrRead(g, 0, PROPBASER, 8));
        assertEquals(value & 0xFFFF_FFFFL, gicr(g, 0, PROPBASER));
        assertEquals(value >>> 32, gicr(g, 0, PROPBASER + 4));
    }

    @Test
    void pendbaser_64bit_write_reads_back() {
        Gic g = strict();
        gicr(g, 0, PENDBASER, 8, PENDBASER_VALUE);
        assertEquals(PENDBASER_VALUE, gicrRead(g, 0, PENDBASER, 8));
    }

    @Test
    void pendbaser_ptz_and_res0_bits_read_zero() {
        Gic g = strict();
        long ptz = 1L << 62;
        long res0 = (1L << 63) | (0x7L << 59) | (0xFL << 52) | (0xFL << 12) | 0x7FL;
        gicr(g, 0, PENDBASER, 8, PENDBASER_VALUE | ptz | res0);
        assertEquals(PENDBASER_VALUE, gicrRead(g, 0, PENDBASER, 8));
    }

    @Test
    void pendbaser_32bit_halves_write_and_read() {
        Gic g = strict();
        long value = PENDBASER_VALUE | (0x2L << 56);
        gicr(g, 0, PENDBASER, value & 0xFFFF_FFFFL);
        gicr(g, 0, PENDBASER + 4, value >>> 32);
        assertEquals(value, gicrRead(g, 0, PENDBASER, 8));
        assertEquals(value >>> 32, gicr(g, 0, PENDBASER + 4));
    }

    @Test
    void lpi_table_registers_ignore_writes_while_lpis_are_enabled() {
        Gic g = lenient(); // UNPREDICTABLE writes: the model may also report them

        programLpiTables(g, 0);
        gicr(g, 0, CTLR, CTLR_ENABLE_LPIS);
        gicr(g, 0, PROPBASER, 8, 0x4030_0000L | 15);
        gicr(g, 0, PENDBASER, 8, 0x4040_0000L);
        gicr(g, 0, PROPBASER + 4, 0x1);
        gicr(g, 0, PENDBASER, 0);
        assertEquals(PROPBASER_VALUE, gicrRead(g, 0, PROPBASER, 8));
        assertEquals(PENDBASER_VALUE, gicrRead(g, 0, PENDBASER, 8));
    }

    @Test
    void lpi_table_registers_are_writable_again_after_lpis_are_disabled() {
        Gic g = strict();
        programLpiTables(g, 0);
        gicr(g, 0, CTLR, CTLR_ENABLE_LPIS);
        gicr(g, 0, CTLR, 0);
        gicr(g, 0, PROPBASER, 8, 0x4030_0000L | 15);
        gicr(g, 0, PENDBASER, 8, 0x4040_0000L);
        assertEquals(0x4030_0000L | 15, gicrRead(g, 0, PROPBASER, 8));
        assertEquals(0x4040_0000L, gicrRead(g, 0, PENDBASER, 8));
    }

    @Test
    void lpi_table_registers_are_banked_per_redistributor() {
        Gic g = strict();
        programLpiTables(g, 3);
        assertEquals(0, gicrRead(g, 0, PROPBASER, 8));
        assertEquals(0, gicrRead(g, 0, PENDBASER, 8));
        assertEquals(PENDBASER_VALUE, gicrRead(g, 3, PENDBASER, 8));
    }

    @Test
    void setlpir_is_not_implemented_and_sets_nothing() {
        Gic g = lenient();
        programLpiTables(g, 0);
        gicr(g, 0, CTLR, CTLR_ENABLE_LPIS);
        gicr(g, 0, SETLPIR, 8, 8192);
        gicr(g, 0, SETLPIR, 8193);
        assertEquals(0, gicrRead(g, 0, SETLPIR, 8));
        var rd = ((GicCore) g).redistributor(0);
        assertFalse(rd.isLpiPending(8192));
        assertFalse(rd.isLpiPending(8193));
    }

    // ---------------------------------------------------------------- SGI_base: reset

    @Test
    void sgi_frame_resets_to_group0_disabled_idle_priority_zero_and_ppis_level() {
        Gic g = strict();
        for (int cpu = 0; cpu < 4; cpu++) {
            for (long off : new long[] {IGROUPR0, ISENABLER0, ICENABLER0, ISPENDR0, ICPENDR0, ISACTIVER0,
                ICACTIVER0, ICFGR1}) {
                assertEquals(0, sgi(g, cpu, off), "cpu " + cpu + " offset 0x" + Long.toHexString(off));
            }
            for (int i = 0; i < 32; i += 4) {
                assertEquals(0, sgi(g, cpu, IPRIORITYR + i));
            }
            assertEquals(0xAAAA_AAAAL, sgi(g, cpu, ICFGR0));
        }
    }

    // ---------------------------------------------------------------- SGI_base: bitmaps

    @Test
    void igroupr0_is_read_write() {
        Gic g = strict();
        gicrSgiWriteAndExpect(g, IGROUPR0, 0xFFFF_FFFFL, 0xFFFF_FFFFL);
        gicrSgiWriteAndExpect(g, IGROUPR0, 0x0000_00F0L, 0x0000_00F0L);
    }

    private static void gicrSgiWriteAndExpect(Gic g, long off, long write, long expect) {
        sgi(g, 0, off, write);
        assertEquals(expect, sgi(g, 0, off));
    }

    @Test
    void isenabler0_write_one_enables_and_icenabler0_write_one_disables() {
        Gic g = strict();
        sgi(g, 0, ISENABLER0, 0x0001_FFFFL);
        sgi(g, 0, ISENABLER0, 0); // writing 0 does nothing
        assertEquals(0x0001_FFFFL, sgi(g, 0, ISENABLER0));
        assertEquals(0x0001_FFFFL, sgi(g, 0, ICENABLER0));
        sgi(g, 0, ICENABLER0, 0x0001_0001L);
        assertEquals(0x0000_FFFEL, sgi(g, 0, ISENABLER0));
    }

    @Test
    void ispendr0_sets_and_icpendr0_clears_pending_sgis_and_ppis() {
        Gic g = strict();
        sgi(g, 0, ISPENDR0, 0x8000_0002L); // SGI 1, PPI 31
        assertEquals(0x8000_0002L, sgi(g, 0, ISPENDR0));
        assertEquals(0x8000_0002L, sgi(g, 0, ICPENDR0));
        sgi(g, 0, ICPENDR0, 0x2);
        assertEquals(0x8000_0000L, sgi(g, 0, ISPENDR0));
    }

    @Test
    void isactiver0_sets_and_icactiver0_clears_active() {
        Gic g = strict();
        sgi(g, 0, ISACTIVER0, 0x0010_0001L);
        assertEquals(0x0010_0001L, sgi(g, 0, ISACTIVER0));
        assertEquals(0x0010_0001L, sgi(g, 0, ICACTIVER0));
        sgi(g, 0, ICACTIVER0, 0x0010_0000L);
        assertEquals(0x1, sgi(g, 0, ISACTIVER0));
    }

    @Test
    void sgi_frame_state_is_banked_per_cpu() {
        Gic g = strict();
        sgi(g, 1, ISENABLER0, 0x0000_0F00L);
        sgi(g, 1, IGROUPR0, 0xFFFF_0000L);
        sgi(g, 1, IPRIORITYR + 4, 0x8080_8080L);
        for (int cpu : new int[] {0, 2, 3}) {
            assertEquals(0, sgi(g, cpu, ISENABLER0));
            assertEquals(0, sgi(g, cpu, IGROUPR0));
            assertEquals(0, sgi(g, cpu, IPRIORITYR + 4));
        }
        assertEquals(0x0000_0F00L, sgi(g, 1, ISENABLER0));
        assertEquals(0xFFFF_0000L, sgi(g, 1, IGROUPR0));
        assertEquals(0x8080_8080L, sgi(g, 1, IPRIORITYR + 4));
    }

    // ---------------------------------------------------------------- SGI_base: priority and config

    @Test
    void ipriorityr_word_write_keeps_only_implemented_bits() {
        Gic g = strict();
        for (int i = 0; i < 32; i += 4) {
            sgi(g, 0, IPRIORITYR + i, 0xFFFF_FFFFL);
            assertEquals(0xF8F8_F8F8L, sgi(g, 0, IPRIORITYR + i));
        }
    }

    @Test
    void ipriorityr_byte_access_reads_and_writes_one_interrupt() {
        Gic g = strict();
        sgi(g, 0, IPRIORITYR + 27, 1, 0xA7);
        assertEquals(0xA0, sgiRead(g, 0, IPRIORITYR + 27, 1));
        assertEquals(0xA000_0000L, sgi(g, 0, IPRIORITYR + 24));
        sgi(g, 0, IPRIORITYR + 0, 0x1122_3344L);
        assertEquals(0x40, sgiRead(g, 0, IPRIORITYR, 1));
        assertEquals(0x10, sgiRead(g, 0, IPRIORITYR + 3, 1));
    }

    @Test
    void icfgr0_reads_all_edge_and_ignores_writes() {
        Gic g = lenient();
        sgi(g, 0, ICFGR0, 0);
        assertEquals(0xAAAA_AAAAL, sgi(g, 0, ICFGR0));
        sgi(g, 0, ICFGR0, 0xFFFF_FFFFL);
        assertEquals(0xAAAA_AAAAL, sgi(g, 0, ICFGR0));
    }

    @Test
    void icfgr1_ppi_edge_bits_are_writable_and_even_bits_res0() {
        Gic g = strict();
        sgi(g, 0, ICFGR1, 0xFFFF_FFFFL);
        assertEquals(0xAAAA_AAAAL, sgi(g, 0, ICFGR1));
        sgi(g, 0, ICFGR1, 0x0000_0200L); // PPI 20 edge
        assertEquals(0x0000_0200L, sgi(g, 0, ICFGR1));
        assertEquals(0, sgi(g, 1, ICFGR1), "banked");
    }

    @ParameterizedTest
    @ValueSource(longs = {IGRPMODR0, NSACR})
    void igrpmodr0_and_nsacr_are_raz_wi_without_guest_error(long off) {
        Gic g = strict();
        sgi(g, 0, off, 0xFFFF_FFFFL);
        assertEquals(0, sgi(g, 0, off));
    }

    // ---------------------------------------------------------------- guest errors

    @ParameterizedTest
    @ValueSource(longs = {0x0050, 0x0060, 0x0088, 0x0100, 0x8000})
    void reserved_rd_base_offset_reads_zero_and_reports_guest_error(long off) {
        Gic g = lenient();
        long before = guestErrorCount(g);
        assertEquals(0, gicr(g, 1, off));
        gicr(g, 1, off, 0xFFFF_FFFFL);
        assertEquals(0, gicr(g, 1, off));
        assertEquals(3, host.guestErrors().size(), host.guestErrors().toString());
        assertTrue(host.guestErrors().get(0).startsWith("GICR"), host.guestErrors().toString());
        assertEquals(before + 3, guestErrorCount(g));
    }

    @ParameterizedTest
    @ValueSource(longs = {0x0000, 0x0004, 0x0010, 0x0900, 0x0A00, 0x0C80, 0x2000, 0x8000})
    void reserved_sgi_base_offset_reads_zero_and_reports_guest_error(long off) {
        Gic g = lenient();
        long before = guestErrorCount(g);
        assertEquals(0, sgi(g, 0, off));
        sgi(g, 0, off, 0xFFFF_FFFFL);
        assertEquals(0, sgi(g, 0, off));
        assertEquals(3, host.guestErrors().size(), host.guestErrors().toString());
        assertEquals(before + 3, guestErrorCount(g));
    }

    @ParameterizedTest
    @CsvSource({
        "rd,0x0000,1", // GICR_CTLR 32-bit only
        "rd,0x0000,8",
        "rd,0x0014,8", // WAKER
        "rd,0x0014,2",
        "rd,0x0070,2", // PROPBASER 64/32 only
        "rd,0x0008,1", // TYPER 64/32 only
        "sgi,0x0100,1", // ISENABLER0 32-bit only
        "sgi,0x0100,8",
        "sgi,0x0400,2", // IPRIORITYR bytes and words only
        "sgi,0x0400,8",
        "sgi,0x0C04,1",
    })
    void access_of_wrong_width_reads_zero_and_reports_guest_error(String frame, String offHex, int size) {
        Gic g = lenient();
        long off = Long.decode(offHex);
        sgi(g, 0, ISENABLER0, 0xFFFF_FFFFL);
        sgi(g, 0, IPRIORITYR, 0x8080_8080L);
        sgi(g, 0, ICFGR1, 0xAAAA_AAAAL);
        long before = guestErrorCount(g);
        long v = frame.equals("rd") ? gicrRead(g, 0, off, size) : sgiRead(g, 0, off, size);
        assertEquals(0, v);
        assertEquals(1, host.guestErrors().size(), host.guestErrors().toString());
        assertEquals(before + 1, guestErrorCount(g));
    }

    @Test
    void wrong_width_writes_are_ignored_and_reported() {
        Gic g = lenient();
        gicr(g, 0, 0x0014, 8, 0); // WAKER as 64-bit
        sgi(g, 0, ISENABLER0, 1, 0xFF);
        sgi(g, 0, IPRIORITYR, 2, 0xFFFF);
        assertEquals(0x6, gicr(g, 0, WAKER));
        assertEquals(0, sgi(g, 0, ISENABLER0));
        assertEquals(0, sgi(g, 0, IPRIORITYR));
        assertEquals(3, host.guestErrors().size(), host.guestErrors().toString());
    }

    @Test
    void linux_cpu_init_sequence_reports_no_guest_error() {
        Gic g = strict();
        for (int cpu = 0; cpu < 4; cpu++) {
            gicr(g, cpu, WAKER, gicr(g, cpu, WAKER) & ~0x2L);
            assertEquals(0, gicr(g, cpu, WAKER) & 0x4);
            gicrRead(g, cpu, TYPER, 8);
            sgi(g, cpu, IGROUPR0, 0xFFFF_FFFFL);
            sgi(g, cpu, ICACTIVER0, 0xFFFF_FFFFL);
            sgi(g, cpu, ICENABLER0, 0xFFFF_FFFFL);
            sgi(g, cpu, ISENABLER0, 0x0000_FFFFL);
            for (int i = 0; i < 32; i += 4) {
                sgi(g, cpu, IPRIORITYR + i, 0xA0A0_A0A0L);
            }
            gicr(g, cpu, CTLR);
            programLpiTables(g, cpu);
            gicr(g, cpu, CTLR, CTLR_ENABLE_LPIS);
        }
        assertTrue(host.guestErrors().isEmpty(), host.guestErrors().toString());
        assertEquals(0, guestErrorCount(g));
        assertEquals(0, host.mem().outOfRange());
    }
}
