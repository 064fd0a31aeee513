package gic.core;

import static gic.core.Regs.gicd;
import static gic.core.Regs.gicdRead;
import static gic.core.Regs.guestErrorCount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.Gic;
import gic.api.GicConfig;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** GICD register values, access rules and guest-error reporting (CORE.md §1). */
class DistributorRegistersTest {

    /** 4 CPUs, 64 SPIs (INTIDs 32..95), 16 INTID bits, 5 priority bits, no ITS. */
    static final GicConfig CFG = TestGic.affinities(TestGic.FOUR_CPUS).config();

    static final long CTLR = 0x0000;
    static final long TYPER = 0x0004;
    static final long IIDR = 0x0008;
    static final long TYPER2 = 0x000C;
    static final long SETSPI_NSR = 0x0040;
    static final long CLRSPI_NSR = 0x0048;
    static final long IGROUPR = 0x0080;
    static final long ISENABLER = 0x0100;
    static final long ICENABLER = 0x0180;
    static final long ISPENDR = 0x0200;
    static final long ICPENDR = 0x0280;
    static final long ISACTIVER = 0x0300;
    static final long ICACTIVER = 0x0380;
    static final long IPRIORITYR = 0x0400;
    static final long ITARGETSR = 0x0800;
    static final long ICFGR = 0x0C00;
    static final long IGRPMODR = 0x0D00;
    static final long NSACR = 0x0E00;
    static final long SGIR = 0x0F00;
    static final long CPENDSGIR = 0x0F10;
    static final long SPENDSGIR = 0x0F20;
    static final long INMIR = 0x0F80;
    static final long IROUTER = 0x6000;
    static final long PIDR2 = 0xFFE8;

    static final int CTLR_ENABLE_GRP0 = 1;
    static final int CTLR_ENABLE_GRP1 = 1 << 1;
    static final int CTLR_ARE = 1 << 4;
    static final int CTLR_DS = 1 << 6;

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
        gic = machine.create();
        host = TestGic.host(gic);
        return gic;
    }

    @AfterEach
    void close() {
        if (gic != null) {
            gic.close();
        }
    }

    private static long irouter(int intid) {
        return IROUTER + 8L * intid;
    }

    // ---------------------------------------------------------------- regions

    @Test
    void distributor_region_is_64k_at_configured_base() {
        Gic g = strict();
        var r = g.regionAt(CFG.distributorBase());
        assertEquals("GICD", r.name());
        assertEquals(CFG.distributorBase(), r.base());
        assertEquals(GicConfig.DISTRIBUTOR_SIZE, r.size());
    }

    // ---------------------------------------------------------------- CTLR

    @Test
    void ctlr_resets_with_ds_and_are_set_and_groups_disabled() {
        Gic g = strict();
        assertEquals(CTLR_ARE | CTLR_DS, gicd(g, CTLR));
    }

    @Test
    void ctlr_only_group_enables_are_writable() {
        Gic g = strict();
        gicd(g, CTLR, 0xFFFF_FFFFL);
        assertEquals(CTLR_ARE | CTLR_DS | CTLR_ENABLE_GRP1 | CTLR_ENABLE_GRP0, gicd(g, CTLR));
        gicd(g, CTLR, 0);
        assertEquals(CTLR_ARE | CTLR_DS, gicd(g, CTLR), "DS and ARE ignore writes of 0");
    }

    @Test
    void ctlr_group_enables_are_independent() {
        Gic g = strict();
        gicd(g, CTLR, CTLR_ENABLE_GRP1);
        assertEquals(CTLR_ARE | CTLR_DS | CTLR_ENABLE_GRP1, gicd(g, CTLR));
        gicd(g, CTLR, CTLR_ENABLE_GRP0);
        assertEquals(CTLR_ARE | CTLR_DS | CTLR_ENABLE_GRP0, gicd(g, CTLR));
    }

    @Test
    void ctlr_rwp_reads_zero_after_write() {
        Gic g = strict();
        gicd(g, CTLR, 0x3);
        assertEquals(0, gicd(g, CTLR) & (1L << 31));
    }

    // ---------------------------------------------------------------- ID registers

    @Test
    void typer_advertises_spis_lpis_mbis_idbits_a3v_rss_and_1_of_n() {
        Gic g = strict();
        long typer = gicd(g, TYPER);
        assertEquals(2, typer & 0x1F, "ITLinesNumber = spiCount/32");
        assertEquals(0, typer & (1 << 8), "ESPI");
        assertEquals(0, typer & (1 << 9), "NMI");
        assertEquals(0, typer & (1 << 10), "SecurityExtn");
        assertEquals(0, (typer >> 11) & 0x1F, "num_LPIs");
        assertEquals(1, (typer >> 16) & 1, "MBIS");
        assertEquals(1, (typer >> 17) & 1, "LPIS");
        assertEquals(0, (typer >> 18) & 1, "DVIS");
        assertEquals(15, (typer >> 19) & 0x1F, "IDbits = lpiIdBits - 1");
        assertEquals(1, (typer >> 24) & 1, "A3V");
        assertEquals(0, (typer >> 25) & 1, "No1N = 0: 1-of-N supported");
        assertEquals(1, (typer >> 26) & 1, "RSS");
        assertEquals(0, (typer >> 27) & 0x1F, "ESPI_range");
    }

    @ParameterizedTest
    @CsvSource({"32,14,1,13", "992,20,31,19", "256,16,8,15"})
    void typer_follows_config(int spis, int idBits, int itLines, int idField) {
        Gic g = start(TestGic.cpus(1).spis(spis).lpiIdBits(idBits));
        long typer = gicd(g, TYPER);
        assertEquals(itLines, typer & 0x1F);
        assertEquals(idField, (typer >> 19) & 0x1F);
    }

    @Test
    void typer_ignores_writes() {
        Gic g = lenient();
        long before = gicd(g, TYPER);
        gicd(g, TYPER, 0);
        gicd(g, TYPER, 0xFFFF_FFFFL);
        assertEquals(before, gicd(g, TYPER));
    }

    @Test
    void iidr_reads_arm_implementer_value() {
        Gic g = strict();
        assertEquals(0x4A00_043BL, gicd(g, IIDR));
    }

    @Test
    void typer2_reads_zero() {
        Gic g = strict();
        assertEquals(0, gicd(g, TYPER2));
    }

    @Test
    void pidr2_reports_gicv3_arch_revision() {
        Gic g = strict();
        assertEquals(0x3B, gicd(g, PIDR2));
        assertEquals(0x3, (gicd(g, PIDR2) >> 4) & 0xF);
    }

    // ---------------------------------------------------------------- reset state

    @Test
    void spi_state_resets_to_zero() {
        Gic g = strict();
        for (int n = 1; n <= 2; n++) {
            for (long base : new long[] {IGROUPR, ISENABLER, ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER}) {
                assertEquals(0, gicd(g, base + 4L * n), "offset 0x" + Long.toHexString(base + 4L * n));
            }
        }
        for (int intid = 32; intid < 96; intid += 4) {
            assertEquals(0, gicd(g, IPRIORITYR + intid));
        }
        for (int n = 2; n < 6; n++) {
            assertEquals(0, gicd(g, ICFGR + 4L * n), "SPIs reset level-sensitive");
        }
        for (int intid = 32; intid < 96; intid++) {
            assertEquals(0, gicdRead(g, irouter(intid), 8));
        }
    }

    // ---------------------------------------------------------------- bitmap registers

    @Test
    void igroupr_spi_bits_are_read_write() {
        Gic g = strict();
        gicd(g, IGROUPR + 4, 0xA5A5_5A5AL);
        assertEquals(0xA5A5_5A5AL, gicd(g, IGROUPR + 4));
        gicd(g, IGROUPR + 4, 0x0000_0001L);
        assertEquals(0x0000_0001L, gicd(g, IGROUPR + 4), "IGROUPR is a plain RW register, not set-only");
    }

    @Test
    void isenabler_write_one_enables_and_reads_back() {
        Gic g = strict();
        gicd(g, ISENABLER + 4, 1L << 8); // INTID 40
        assertEquals(1L << 8, gicd(g, ISENABLER + 4));
        assertEquals(1L << 8, gicd(g, ICENABLER + 4), "ICENABLER reads the same enable bits");
    }

    @Test
    void isenabler_write_zero_has_no_effect() {
        Gic g = strict();
        gicd(g, ISENABLER + 4, 0x3);
        gicd(g, ISENABLER + 4, 0);
        assertEquals(0x3, gicd(g, ISENABLER + 4));
    }

    @Test
    void icenabler_write_one_disables_only_those_bits() {
        Gic g = strict();
        gicd(g, ISENABLER + 8, 0xFFFF_FFFFL);
        gicd(g, ICENABLER + 8, 0x0000_FFFFL);
        assertEquals(0xFFFF_0000L, gicd(g, ISENABLER + 8));
        assertEquals(0xFFFF_0000L, gicd(g, ICENABLER + 8));
    }

    @Test
    void ispendr_sets_and_icpendr_clears_pending() {
        Gic g = strict();
        gicd(g, ISPENDR + 4, (1L << 3) | (1L << 31));
        assertEquals((1L << 3) | (1L << 31), gicd(g, ISPENDR + 4));
        assertEquals((1L << 3) | (1L << 31), gicd(g, ICPENDR + 4), "ICPENDR reads pending state");
        gicd(g, ICPENDR + 4, 1L << 3);
        assertEquals(1L << 31, gicd(g, ISPENDR + 4));
    }

    @Test
    void isactiver_sets_and_icactiver_clears_active() {
        Gic g = strict();
        gicd(g, ISACTIVER + 8, 0x8000_0001L);
        assertEquals(0x8000_0001L, gicd(g, ISACTIVER + 8));
        assertEquals(0x8000_0001L, gicd(g, ICACTIVER + 8));
        gicd(g, ICACTIVER + 8, 0x8000_0000L);
        assertEquals(0x1, gicd(g, ISACTIVER + 8));
    }

    @ParameterizedTest
    @ValueSource(longs = {IGROUPR, ISENABLER, ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER})
    void word_zero_of_bitmap_registers_is_raz_wi_without_guest_error(long base) {
        Gic g = strict();
        gicd(g, base, 0xFFFF_FFFFL);
        assertEquals(0, gicd(g, base));
        assertEquals(0, gicd(g, ISENABLER), "SGI/PPI enables are not set through GICD");
        assertEquals(0, gicd(g, ISPENDR));
        assertEquals(0, gicd(g, ISACTIVER));
        assertEquals(0, gicd(g, IGROUPR));
    }

    @ParameterizedTest
    @ValueSource(longs = {IGROUPR, ISENABLER, ISPENDR, ISACTIVER})
    void bits_of_unimplemented_spis_are_raz_wi(long base) {
        Gic g = lenient();
        // INTIDs 96..127 (word 3) and 992..1023 (word 31) are not implemented with 64 SPIs.
        gicd(g, base + 12, 0xFFFF_FFFFL);
        gicd(g, base + 124, 0xFFFF_FFFFL);
        assertEquals(0, gicd(g, base + 12));
        assertEquals(0, gicd(g, base + 124));
    }

    // ---------------------------------------------------------------- IPRIORITYR

    @Test
    void ipriorityr_word_write_keeps_only_implemented_priority_bits() {
        Gic g = strict();
        gicd(g, IPRIORITYR + 32, 0xFFFF_FFFFL);
        assertEquals(0xF8F8_F8F8L, gicd(g, IPRIORITYR + 32));
        gicd(g, IPRIORITYR + 36, 0x1020_3047L);
        assertEquals(0x1020_3040L, gicd(g, IPRIORITYR + 36));
    }

    @Test
    void ipriorityr_byte_access_reads_and_writes_one_interrupt() {
        Gic g = strict();
        gicd(g, IPRIORITYR + 41, 1, 0x87);
        assertEquals(0x80, gicdRead(g, IPRIORITYR + 41, 1));
        assertEquals(0x0000_8000L, gicd(g, IPRIORITYR + 40), "byte 1 of the word covering INTIDs 40..43");
        gicd(g, IPRIORITYR + 40, 0xA0B0_C0D0L);
        assertEquals(0xD0, gicdRead(g, IPRIORITYR + 40, 1));
        assertEquals(0xC0, gicdRead(g, IPRIORITYR + 41, 1));
        assertEquals(0xB0, gicdRead(g, IPRIORITYR + 42, 1));
        assertEquals(0xA0, gicdRead(g, IPRIORITYR + 43, 1));
    }

    @Test
    void ipriorityr_of_sgis_and_ppis_is_raz_wi() {
        Gic g = strict();
        for (int intid = 0; intid < 32; intid += 4) {
            gicd(g, IPRIORITYR + intid, 0xFFFF_FFFFL);
            assertEquals(0, gicd(g, IPRIORITYR + intid));
        }
        gicd(g, IPRIORITYR + 5, 1, 0xFF);
        assertEquals(0, gicdRead(g, IPRIORITYR + 5, 1));
    }

    @Test
    void ipriorityr_of_unimplemented_spis_is_raz_wi() {
        Gic g = lenient();
        gicd(g, IPRIORITYR + 96, 0xFFFF_FFFFL);
        assertEquals(0, gicd(g, IPRIORITYR + 96));
    }

    @Test
    void ipriorityr_with_eight_priority_bits_keeps_all_bits() {
        Gic g = start(TestGic.cpus(1).spis(32).priorityBits(8));
        gicd(g, IPRIORITYR + 32, 0x1234_5678L);
        assertEquals(0x1234_5678L, gicd(g, IPRIORITYR + 32));
    }

    // ---------------------------------------------------------------- ICFGR

    @Test
    void icfgr_spi_edge_bits_are_writable_and_even_bits_res0() {
        Gic g = strict();
        gicd(g, ICFGR + 8, 0xFFFF_FFFFL); // INTIDs 32..47
        assertEquals(0xAAAA_AAAAL, gicd(g, ICFGR + 8));
        gicd(g, ICFGR + 8, 0x0000_0002L);
        assertEquals(0x0000_0002L, gicd(g, ICFGR + 8), "a 0 in an edge bit makes the SPI level-sensitive again");
    }

    @Test
    void icfgr_words_for_sgis_and_ppis_are_raz_wi() {
        Gic g = strict();
        gicd(g, ICFGR, 0xFFFF_FFFFL);
        gicd(g, ICFGR + 4, 0xFFFF_FFFFL);
        assertEquals(0, gicd(g, ICFGR));
        assertEquals(0, gicd(g, ICFGR + 4));
    }

    @Test
    void icfgr_of_unimplemented_spis_is_raz_wi() {
        Gic g = lenient();
        gicd(g, ICFGR + 4L * 6, 0xFFFF_FFFFL); // INTIDs 96..111
        assertEquals(0, gicd(g, ICFGR + 4L * 6));
        assertEquals(0, gicd(g, ICFGR + 4L * 5), "INTIDs 80..95 untouched");
    }

    // ---------------------------------------------------------------- legacy and DS=1 RAZ/WI registers

    @ParameterizedTest
    @ValueSource(longs = {ITARGETSR + 32, ITARGETSR + 60, IGRPMODR + 4, NSACR + 8, SGIR, CPENDSGIR, SPENDSGIR + 4,
        INMIR + 4})
    void legacy_and_secure_registers_are_raz_wi_without_guest_error(long off) {
        Gic g = strict();
        gicd(g, off, 0xFFFF_FFFFL);
        assertEquals(0, gicd(g, off));
    }

    @Test
    void itargetsr_and_sgi_pending_registers_accept_bytes_as_raz_wi() {
        Gic g = strict();
        for (long off : new long[] {ITARGETSR + 33, CPENDSGIR + 1, SPENDSGIR + 2}) {
            gicd(g, off, 1, 0xFF);
            assertEquals(0, gicdRead(g, off, 1));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0x1000 /* IGROUPR0E */, 0x1200 /* ISENABLER0E */, 0x1600 /* ISPENDR0E */,
        0x2000 /* IPRIORITYR0E */, 0x3000 /* ICFGR0E */, 0x3400 /* IGRPMODR0E */, 0x3600 /* NSACR0E */,
        0x3B00 /* INMIR0E */})
    void extended_spi_registers_are_raz_wi_without_guest_error(long off) {
        Gic g = strict();
        gicd(g, off, 0xFFFF_FFFFL);
        assertEquals(0, gicd(g, off));
    }

    @Test
    void writing_legacy_sgir_generates_no_sgi() {
        Gic g = strict();
        gicd(g, CTLR, 0x3);
        Regs.sgi(g, 0, 0x100, 0xFFFF); // enable SGIs on CPU 0
        gicd(g, SGIR, (2L << 24) | 1); // "to self", SGI 1
        assertEquals(0, Regs.sgi(g, 0, 0x200), "no SGI becomes pending on the redistributor");
    }

    // ---------------------------------------------------------------- IROUTER

    @Test
    void irouter_keeps_affinity_and_irm_and_masks_res0_bits() {
        Gic g = strict();
        gicd(g, irouter(32), 8, -1L);
        assertEquals(0x0000_00FF_80FF_FFFFL, gicdRead(g, irouter(32), 8));
    }

    @Test
    void irouter_64bit_write_reads_back() {
        Gic g = strict();
        gicd(g, irouter(95), 8, 0x0000_0012_0001_0203L);
        assertEquals(0x0000_0012_0001_0203L, gicdRead(g, irouter(95), 8));
    }

    @Test
    void irouter_32bit_halves_read_and_write_independently() {
        Gic g = strict();
        gicd(g, irouter(40), 0x8001_0203L);
        gicd(g, irouter(40) + 4, 0xFFFF_FF05L);
        assertEquals(0x0000_0005_8001_0203L, gicdRead(g, irouter(40), 8));
        assertEquals(0x8001_0203L, gicd(g, irouter(40)));
        assertEquals(0x05L, gicd(g, irouter(40) + 4));
        gicd(g, irouter(40), 0);
        assertEquals(0x0000_0005_0000_0000L, gicdRead(g, irouter(40), 8), "low-half write keeps Aff3");
    }

    @Test
    void irouter_of_different_spis_are_independent() {
        Gic g = strict();
        gicd(g, irouter(33), 8, 0x100);
        gicd(g, irouter(34), 8, 0x1);
        assertEquals(0x100, gicdRead(g, irouter(33), 8));
        assertEquals(0x1, gicdRead(g, irouter(34), 8));
        assertEquals(0, gicdRead(g, irouter(32), 8));
    }

    // ---------------------------------------------------------------- SETSPI / CLRSPI

    @Test
    void setspi_nsr_makes_spi_pending_and_clrspi_nsr_clears_it() {
        Gic g = strict();
        gicd(g, SETSPI_NSR, 40);
        assertEquals(1L << 8, gicd(g, ISPENDR + 4));
        gicd(g, CLRSPI_NSR, 40);
        assertEquals(0, gicd(g, ISPENDR + 4));
    }

    @Test
    void setspi_nsr_reads_as_zero() {
        Gic g = lenient();
        gicd(g, SETSPI_NSR, 40);
        assertEquals(0, gicd(g, SETSPI_NSR));
        assertEquals(0, gicd(g, CLRSPI_NSR));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 16, 31, 96, 1019, 1023, 8192})
    void setspi_nsr_ignores_intids_that_are_not_implemented_spis(int intid) {
        Gic g = lenient();
        gicd(g, SETSPI_NSR, intid);
        for (int n = 0; n < 32; n++) {
            assertEquals(0, gicd(g, ISPENDR + 4L * n));
        }
    }

    // ---------------------------------------------------------------- guest errors

    @ParameterizedTest
    @ValueSource(longs = {0x0044, 0x007C, 0x0D80, 0x0F04, 0x0F30, 0x4000, 0xA000})
    void reserved_offset_reads_zero_ignores_writes_and_reports_guest_error(long off) {
        Gic g = lenient();
        long countBefore = guestErrorCount(g);
        assertEquals(0, gicd(g, off));
        assertEquals(1, host.guestErrors().size(), "read reported");
        assertTrue(host.guestErrors().get(0).startsWith("GICD"), host.guestErrors().toString());
        gicd(g, off, 0xFFFF_FFFFL);
        assertEquals(2, host.guestErrors().size(), "write reported");
        assertEquals(0, gicd(g, off));
        assertEquals(countBefore + 3, guestErrorCount(g), "every bad access counted");
    }

    @Test
    void reserved_offset_write_does_not_change_any_register() {
        Gic g = lenient();
        gicd(g, 0x0044, 0xFFFF_FFFFL);
        assertEquals(CTLR_ARE | CTLR_DS, gicd(g, CTLR));
        assertEquals(0, gicd(g, ISENABLER + 4));
    }

    @ParameterizedTest
    @CsvSource({
        "0x0000,8", // CTLR is 32-bit only
        "0x0000,1",
        "0x0004,2",
        "0x0104,1", // ISENABLER1 is 32-bit only
        "0x0204,8",
        "0x0C08,1", // ICFGR
        "0x0420,2", // IPRIORITYR: bytes and words only
        "0x0420,8",
        "0x0040,8", // SETSPI_NSR
    })
    void access_of_wrong_width_reads_zero_and_reports_guest_error(String offHex, int size) {
        Gic g = lenient();
        long off = Long.decode(offHex);
        gicd(g, ISENABLER + 4, 0xFFFF_FFFFL);
        gicd(g, IPRIORITYR + 32, 0x8080_8080L);
        long before = guestErrorCount(g);
        assertEquals(0, gicdRead(g, off, size));
        assertEquals(1, host.guestErrors().size(), host.guestErrors().toString());
        assertEquals(before + 1, guestErrorCount(g));
    }

    @Test
    void wrong_width_write_is_ignored_and_reported() {
        Gic g = lenient();
        gicd(g, ISENABLER + 4, 1, 0xFF);
        gicd(g, CTLR, 8, 0x3);
        gicd(g, IPRIORITYR + 32, 2, 0xFFFF);
        assertEquals(0, gicd(g, ISENABLER + 4));
        assertEquals(CTLR_ARE | CTLR_DS, gicd(g, CTLR));
        assertEquals(0, gicd(g, IPRIORITYR + 32));
        assertEquals(3, host.guestErrors().size(), host.guestErrors().toString());
    }

    @Test
    void irouter_byte_access_is_a_guest_error() {
        Gic g = lenient();
        gicd(g, irouter(32), 8, 0x1);
        assertEquals(0, gicdRead(g, irouter(32), 1));
        gicd(g, irouter(32), 1, 0xFF);
        assertEquals(0x1, gicdRead(g, irouter(32), 8));
        assertEquals(2, host.guestErrors().size(), host.guestErrors().toString());
    }

    @Test
    void normal_programming_sequence_reports_no_guest_error() {
        // What Linux's gic_dist_init does, on a strict host.
        Gic g = strict();
        gicd(g, CTLR, 0);
        for (int n = 1; n <= 2; n++) {
            gicd(g, IGROUPR + 4L * n, 0xFFFF_FFFFL);
            gicd(g, ICACTIVER + 4L * n, 0xFFFF_FFFFL);
            gicd(g, ICENABLER + 4L * n, 0xFFFF_FFFFL);
        }
        for (int intid = 32; intid < 96; intid += 4) {
            gicd(g, IPRIORITYR + intid, 0xA0A0_A0A0L);
        }
        for (int n = 2; n < 6; n++) {
            gicd(g, ICFGR + 4L * n, 0);
        }
        for (int intid = 32; intid < 96; intid++) {
            gicd(g, irouter(intid), 8, 0);
        }
        gicd(g, CTLR, CTLR_ARE | CTLR_ENABLE_GRP1 | CTLR_ENABLE_GRP0);
        assertEquals(CTLR_ARE | CTLR_DS | CTLR_ENABLE_GRP1 | CTLR_ENABLE_GRP0, gicd(g, CTLR));
        assertEquals(0, gicd(g, CTLR) >>> 31, "RWP");
        assertFalse(host.guestErrors().iterator().hasNext());
        assertEquals(0, guestErrorCount(g));
    }
}
