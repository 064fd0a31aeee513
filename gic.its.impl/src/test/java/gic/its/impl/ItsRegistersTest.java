package gic.its.impl;

import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.ItsConfig;
import gic.api.MmioRegion;
import gic.core.GicCore;
import gic.core.TestGic;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GITS_* registers (ITS.md section 1, design "Registers"): reset values, 32-bit halves, read-only and
 * reserved offsets, GITS_BASER/GITS_CBASER storage as Linux's probe needs it, and writability rules.
 */
class ItsRegistersTest {

    private static final long BASER0_RESET = 0x0107_0000_0000_0200L;
    private static final long BASER1_RESET = 0x0407_0000_0000_0200L;
    private static final long BASER_TYPE_AND_ENTRY_SIZE = 0x0700_0000_0000_0000L | 0x1FL << 48;

    private GicCore gic;
    private ItsDriver its;

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    private ItsDriver start(ItsConfig config, boolean lenient) {
        gic = machine(1, config).lenient(lenient).create(new ItsGicProvider(ItsOptions.DEFAULTS));
        its = new ItsDriver(gic, 0);
        return its;
    }

    private ItsDriver start(boolean lenient) {
        return start(ItsDriver.its(0), lenient);
    }

    private long guestErrors() {
        return TestGic.host(gic).guestErrors().size();
    }

    // ---------------------------------------------------------------------------------------------
    // Reset values and identification

    @Test
    void reset_values_match_the_contract() {
        start(false);
        assertEquals(0x8000_0000L, its.read32(GITS_CTLR), "Quiescent, not Enabled");
        assertEquals(0x4A00_043BL, its.read32(GITS_IIDR));
        assertEquals(0x1EF71L, its.read64(GITS_TYPER));
        assertEquals(0, its.read64(GITS_CBASER));
        assertEquals(0, its.read64(GITS_CWRITER));
        assertEquals(0, its.read64(GITS_CREADR));
        assertEquals(BASER0_RESET, its.read64(GITS_BASER));
        assertEquals(BASER1_RESET, its.read64(GITS_BASER + 8));
        for (int n = 2; n < 8; n++) {
            assertEquals(0, its.read64(GITS_BASER + 8L * n), "GITS_BASER" + n);
        }
    }

    @ParameterizedTest(name = "deviceIdBits {0}, eventIdBits {1}, PTA {2}")
    @CsvSource({"16, 16, true", "20, 8, false", "1, 1, false", "20, 16, true", "10, 5, true"})
    void typer_encodes_the_configured_widths_and_pta(int deviceIdBits, int eventIdBits, boolean pta) {
        start(ItsDriver.its(0, deviceIdBits, eventIdBits, pta), false);
        long expected = 1 | 7 << 4 | (eventIdBits - 1) << 8 | (deviceIdBits - 1) << 13 | (pta ? 1 << 19 : 0);
        assertEquals(expected, its.read64(GITS_TYPER));
    }

    @Test
    void id_registers_identify_a_gicv3_its() {
        start(false);
        long[][] expected = {
            {0xFFD0, 0x44}, {0xFFD4, 0}, {0xFFD8, 0}, {0xFFDC, 0},
            {0xFFE0, 0x94}, {0xFFE4, 0xB4}, {0xFFE8, 0x3B}, {0xFFEC, 0},
            {0xFFF0, 0x0D}, {0xFFF4, 0xF0}, {0xFFF8, 0x05}, {0xFFFC, 0xB1},
        };
        for (long[] e : expected) {
            assertEquals(e[1], its.read32(e[0]), "ID register at 0x" + Long.toHexString(e[0]));
        }
        assertEquals(3, its.read32(GITS_PIDR2) >> 4 & 0xF, "ArchRev 3: Linux accepts the ITS");
    }

    @Test
    void its_is_one_128k_region_named_its0() {
        start(false);
        MmioRegion r = gic.regionAt(its.base);
        assertEquals("ITS0", r.name());
        assertEquals(its.base, r.base());
        assertEquals(ItsConfig.SIZE, r.size());
        assertEquals(r, gic.regionAt(its.base + GITS_TRANSLATER));
    }

    @Test
    void provider_adds_the_itses_of_its_options_when_the_config_has_none() {
        ItsOptions options = new ItsOptions(2, 0x0900_0000L, 0x4_0000L, 12, 10, true, 0, List.of(ErrorPolicy.SKIP));
        gic = TestGic.cpus(2).ramSize(RAM).create(new ItsGicProvider(options));
        assertEquals("its", gic.lpiMode());
        assertEquals(List.of(new ItsConfig(0x0900_0000L, 12, 10, true), new ItsConfig(0x0904_0000L, 12, 10, true)),
            gic.config().itses());
        for (int i = 0; i < 2; i++) {
            ItsDriver d = new ItsDriver(gic, i);
            assertEquals("ITS" + i, gic.regionAt(d.base).name());
            assertEquals(1 | 7 << 4 | 9 << 8 | 11 << 13 | 1 << 19, d.read64(GITS_TYPER));
        }
        assertNull(gic.regionAt(0x0902_0000L), "nothing between the two ITSes");
    }

    // ---------------------------------------------------------------------------------------------
    // GITS_CTLR

    @Test
    void ctlr_enabled_is_read_write_and_quiescent_always_reads_one() {
        start(true);
        its.write32(GITS_CTLR, 1);
        assertEquals(0x8000_0001L, its.read32(GITS_CTLR));
        its.write32(GITS_CTLR, 0);
        assertEquals(0x8000_0000L, its.read32(GITS_CTLR));
        its.write32(GITS_CTLR, 0x7FFF_FFFEL);
        assertEquals(0x8000_0000L, its.read32(GITS_CTLR), "other bits RAZ/WI, Quiescent RO");
    }

    // ---------------------------------------------------------------------------------------------
    // 32-bit halves and read-only registers

    @Test
    void typer_halves_read_as_the_whole() {
        start(ItsDriver.its(0, 20, 16, true), false);
        long typer = its.read64(GITS_TYPER);
        assertEquals(typer & 0xFFFF_FFFFL, its.read32(GITS_TYPER));
        assertEquals(typer >>> 32, its.read32(GITS_TYPER + 4));
    }

    @Test
    void baser_written_and_read_as_halves() {
        start(false);
        long value = baserValue(TYPE_DEVICES, 0x4050_0000L, PAGE_16K, 3, true);
        its.write32(GITS_BASER + 4, value >>> 32);
        its.write32(GITS_BASER, value & 0xFFFF_FFFFL);
        assertEquals(value, its.read64(GITS_BASER));
        assertEquals(value & 0xFFFF_FFFFL, its.read32(GITS_BASER));
        assertEquals(value >>> 32, its.read32(GITS_BASER + 4));
        long coll = baserValue(TYPE_COLLECTIONS, 0x4060_0000L, PAGE_4K, 1, false);
        its.write32(GITS_BASER + 8, coll & 0xFFFF_FFFFL);
        its.write32(GITS_BASER + 12, coll >>> 32);
        assertEquals(coll, its.read64(GITS_BASER + 8));
    }

    @Test
    void cbaser_written_and_read_as_halves() {
        start(false);
        long value = VALID | INNER_RAWAWB | INNER_SHAREABLE | 0x4070_0000L | 15;
        its.write32(GITS_CBASER, value & 0xFFFF_FFFFL);
        its.write32(GITS_CBASER + 4, value >>> 32);
        assertEquals(value, its.read64(GITS_CBASER));
        assertEquals(value & 0xFFFF_FFFFL, its.read32(GITS_CBASER));
        assertEquals(value >>> 32, its.read32(GITS_CBASER + 4));
    }

    @Test
    void cwriter_and_creadr_halves_read_as_the_whole() {
        start(false).bringUp();
        its.post(sync(0), sync(0), sync(0));
        assertEquals(its.cwriter(), its.read32(GITS_CWRITER));
        assertEquals(0, its.read32(GITS_CWRITER + 4));
        assertEquals(its.creadr(), its.read32(GITS_CREADR));
        assertEquals(0, its.read32(GITS_CREADR + 4));
        long w = its.cwriter();
        its.place(w, sync(0));
        its.place(w + 32, sync(0));
        its.write64(GITS_CWRITER, w + 64);
        assertEquals(w + 64, its.creadr(), "a 64-bit CWRITER write processes too");
    }

    @Test
    void cwriter_reads_back_the_offset_without_retry() {
        start(false).bringUp();
        long w = its.cwriter();
        its.place(w, sync(0));
        its.write32(GITS_CWRITER, (w + 32) | RETRY);
        assertEquals(w + 32, its.cwriter());
        assertEquals(w + 32, its.creadr());
    }

    @Test
    void read_only_registers_ignore_writes() {
        start(true).bringUp();
        long creadr = its.creadr();
        its.write32(GITS_IIDR, 0);
        its.write64(GITS_TYPER, 0);
        its.write32(GITS_TYPER, 0);
        its.write32(GITS_TYPER + 4, 0xFFFF_FFFFL);
        its.write64(GITS_CREADR, 0x40);
        its.write32(GITS_CREADR, 0x60);
        its.write32(GITS_PIDR2, 0);
        its.write32(0xFFF0, 0);
        assertEquals(0x4A00_043BL, its.read32(GITS_IIDR));
        assertEquals(0x1EF71L, its.read64(GITS_TYPER));
        assertEquals(creadr, its.creadr());
        assertEquals(0x3B, its.read32(GITS_PIDR2));
        assertEquals(0x0D, its.read32(0xFFF0));
    }

    // ---------------------------------------------------------------------------------------------
    // GITS_BASER<n>: what Linux's probe writes reads back

    @Test
    void linux_reset_pass_writes_zero_to_every_baser() {
        start(false);
        for (int n = 0; n < 8; n++) {
            its.write64(GITS_BASER + 8L * n, 0);
        }
        assertEquals(0x0107_0000_0000_0000L, its.read64(GITS_BASER), "Type and Entry_Size are read-only");
        assertEquals(0x0407_0000_0000_0000L, its.read64(GITS_BASER + 8));
        for (int n = 2; n < 8; n++) {
            assertEquals(0, its.read64(GITS_BASER + 8L * n));
        }
    }

    @ParameterizedTest(name = "GITS_BASER{0}")
    @ValueSource(ints = {0, 1})
    void linux_page_size_probe_reads_back_64k_16k_and_4k(int n) {
        start(false);
        long off = GITS_BASER + 8L * n;
        its.write64(off, 0);
        for (int psz : new int[] {PAGE_64K, PAGE_16K, PAGE_4K}) {
            long val = its.read64(off) & ~(3L << 8) | (long) psz << 8;
            its.write64(off, val);
            assertEquals(val, its.read64(off), "page size code " + psz);
        }
    }

    @ParameterizedTest(name = "GITS_BASER{0}")
    @ValueSource(ints = {0, 1})
    void linux_indirect_probe_reads_back(int n) {
        start(false);
        long off = GITS_BASER + 8L * n;
        long typeBits = its.read64(off) & BASER_TYPE_AND_ENTRY_SIZE;
        long probe = INNER_SHAREABLE | INNER_RAWAWB | INDIRECT;
        its.write64(off, probe);
        assertEquals(probe | typeBits, its.read64(off));
    }

    @ParameterizedTest(name = "GITS_BASER{0}, page size {1}, indirect {2}")
    @CsvSource({"0, 2, false", "0, 2, true", "0, 1, true", "0, 0, false", "1, 2, false", "1, 0, true",
        "1, 1, false"})
    void linux_final_baser_value_reads_back_identically(int n, int psz, boolean indirect) {
        start(false);
        long value = baserValue(n == 0 ? TYPE_DEVICES : TYPE_COLLECTIONS, 0x4080_0000L, psz, 4, indirect);
        its.write64(GITS_BASER + 8L * n, value);
        assertEquals(value, its.read64(GITS_BASER + 8L * n));
    }

    @ParameterizedTest(name = "GITS_BASER{0}")
    @ValueSource(ints = {0, 1})
    void non_shareable_non_cacheable_baser_reads_back(int n) {
        start(false);
        long value = baserValue(n == 0 ? TYPE_DEVICES : TYPE_COLLECTIONS, 0x4080_0000L, PAGE_64K, 1, false)
            & ~(3L << 10) & ~(7L << 59) | INNER_NC;
        its.write64(GITS_BASER + 8L * n, value);
        assertEquals(value, its.read64(GITS_BASER + 8L * n));
    }

    @Test
    void baser_attribute_fields_are_stored_verbatim() {
        start(false);
        long value = VALID | 5L << 59 | 3L << 53 | 2L << 10 | 3L << 8 | 0x7F | 0x4090_0000L;
        its.write64(GITS_BASER, value);
        assertEquals(value | 0x0107_0000_0000_0000L, its.read64(GITS_BASER),
            "outer shareable, WaWb inner, RaWb outer and page size code 3 stored");
    }

    @Test
    void baser_type_and_entry_size_ignore_writes() {
        start(false);
        its.write64(GITS_BASER, 2L << 56 | 0x1FL << 48);
        its.write64(GITS_BASER + 8, 1L << 56 | 3L << 48);
        assertEquals(0x0107_0000_0000_0000L, its.read64(GITS_BASER));
        assertEquals(0x0407_0000_0000_0000L, its.read64(GITS_BASER + 8));
    }

    @Test
    void basers_2_to_7_are_raz_wi() {
        start(false);
        for (int n = 2; n < 8; n++) {
            its.write64(GITS_BASER + 8L * n, baserValue(2, 0x4080_0000L, PAGE_64K, 1, false));
            its.write32(GITS_BASER + 8L * n + 4, 0xFFFF_FFFFL);
            assertEquals(0, its.read64(GITS_BASER + 8L * n), "GITS_BASER" + n);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // GITS_CBASER

    @Test
    void linux_cbaser_value_reads_back() {
        start(false);
        long value = 0xB800_0000_0000_040FL | 0x4070_0000L;
        its.write64(GITS_CBASER, value);
        assertEquals(value, its.read64(GITS_CBASER));
    }

    @Test
    void non_shareable_non_cacheable_cbaser_reads_back() {
        start(false);
        long value = VALID | INNER_NC | 0x4070_0000L | 15;
        its.write64(GITS_CBASER, value);
        assertEquals(value, its.read64(GITS_CBASER));
    }

    @Test
    void cbaser_res0_bits_and_pa_15_12_read_as_zero() {
        start(true);
        its.write64(GITS_CBASER, -1L);
        long expected = VALID | 7L << 59 | 7L << 53 | (((1L << 52) - 1) & ~0xFFFFL) | 3L << 10 | 0xFF;
        assertEquals(expected, its.read64(GITS_CBASER));
        its.write64(GITS_CBASER, 0x4070_F000L | 3);
        assertEquals(0x4070_0000L | 3, its.read64(GITS_CBASER), "the queue is 64 KiB aligned");
    }

    @Test
    void cbaser_write_zeroes_creadr_and_keeps_cwriter() {
        start(false).bringUp();
        its.post(sync(0), sync(0));
        long w = its.cwriter();
        assertEquals(w, its.creadr());
        its.disable();
        its.commandQueueAt(its.queue, 16);
        assertEquals(0, its.creadr());
        assertEquals(w, its.cwriter());
    }

    @Test
    void baser_and_cbaser_writes_are_ignored_while_enabled() {
        start(true).bringUp();
        long baser0 = its.read64(GITS_BASER);
        long baser1 = its.read64(GITS_BASER + 8);
        long cbaser = its.read64(GITS_CBASER);
        long creadr = its.creadr();
        long before = guestErrors();
        its.write64(GITS_BASER, 0);
        its.write32(GITS_BASER + 12, 0);
        its.write64(GITS_CBASER, 0);
        its.write32(GITS_CBASER, 0);
        assertEquals(baser0, its.read64(GITS_BASER));
        assertEquals(baser1, its.read64(GITS_BASER + 8));
        assertEquals(cbaser, its.read64(GITS_CBASER));
        assertEquals(creadr, its.creadr(), "an ignored CBASER write does not zero CREADR");
        assertTrue(guestErrors() >= before + 4, "each ignored write is a guest error");

        its.disable();
        its.write64(GITS_BASER + 8, 0);
        assertEquals(0x0407_0000_0000_0000L, its.read64(GITS_BASER + 8), "writable again once disabled");
    }

    // ---------------------------------------------------------------------------------------------
    // Reserved offsets and the translation frame

    @ParameterizedTest(name = "offset 0x{0}")
    @ValueSource(strings = {"10", "14", "18", "20", "40", "48", "98", "140", "1000", "C000", "FFC8", "FFCC",
        "10000", "10048", "1FFFC"})
    void reserved_offsets_are_raz_wi_with_a_guest_error(String hex) {
        start(true);
        long off = Long.parseLong(hex, 16);
        long before = guestErrors();
        its.write32(off, 0xFFFF_FFFFL);
        assertTrue(guestErrors() > before, "write is a guest error");
        long afterWrite = guestErrors();
        assertEquals(0, its.read32(off));
        assertTrue(guestErrors() > afterWrite, "read is a guest error");
    }

    @Test
    void cpu_write_to_translater_carries_no_device_id_and_is_dropped() {
        start(true).bringUp();
        its.mapDevice(0, 3);
        its.mapEvent(0, 1, 8200, 0);
        long before = guestErrors();
        its.write32(GITS_TRANSLATER, 1);
        assertTrue(guestErrors() > before);
        assertEquals(0, its.read32(GITS_TRANSLATER), "reads as zero");
        assertFalse(its.pending(0, 8200));
        assertTrue(its.msi(0, 1), "a device's MSI carries the DeviceID");
        assertTrue(its.pending(0, 8200));
    }
}
