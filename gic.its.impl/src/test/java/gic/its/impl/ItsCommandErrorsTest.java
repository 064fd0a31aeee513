package gic.its.impl;

import static gic.core.TestGic.RAM_BASE;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.ItsConfig;
import gic.core.GicCore;
import gic.core.TestGic;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Command errors (ITS.md 3.4/3.5, design "Commands" and "ErrorPolicy"): every check with its 24-bit code,
 * seen as counter {@code its0.commandError.0x......} and {@link Its#lastError()}, under SKIP (the queue
 * moves on) and STALL (CREADR.Stalled, nothing behind runs, Retry after a fix resumes); memory faults,
 * which stall whatever the policy; and the anchor bugs of ITS.md section 7 that concern checks.
 *
 * <p>The fixture ({@link #startFixture}): two CPUs; a flat device table of 8192 DeviceIDs and a flat
 * collection table of 512 ICIDs; ICIDs 0 and 1 mapped to CPUs 0 and 1; device 1 mapped with 16 events,
 * event 0 to LPI 8200 in collection 0 and event 1 to LPI 8201 in collection 5 (in the table, unmapped);
 * device 2 unmapped.
 */
class ItsCommandErrorsTest {

    private static final int MAPPED = 1;
    private static final int UNMAPPED = 2;
    private static final int BEYOND_TABLE = 8192;
    private static final int BEYOND_DEVBITS = 0x1_0000;
    private static final int UNMAPPED_ICID = 5;
    private static final int BEYOND_ICIDS = 512;
    /** Event 0 of device 1: a good translation. */
    private static final int GOOD_EVENT = 0;
    /** Event 1 of device 1: its collection is unmapped. */
    private static final int EVENT_IN_UNMAPPED_COLLECTION = 1;
    /** Event 2 of device 1: no ITE. */
    private static final int NO_ITE = 2;
    /** Event 16 of device 1: beyond its 16 events. */
    private static final int BEYOND_EVENTS = 16;

    private GicCore gic;
    private ItsDriver its;

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    private ItsDriver start(ItsOptions options, ItsConfig... itses) {
        gic = machine(2, itses).lenient().create(new ItsGicProvider(options));
        its = new ItsDriver(gic, 0);
        return its;
    }

    private ItsDriver startFixture(ErrorPolicy policy) {
        start(ItsOptions.DEFAULTS.withErrorPolicy(policy)).bringUp();
        its.mapDevice(MAPPED, 3);
        its.mapEvent(MAPPED, GOOD_EVENT, 8200, 0);
        its.mapEvent(MAPPED, EVENT_IN_UNMAPPED_COLLECTION, 8201, UNMAPPED_ICID);
        assertEquals(0, its.its().errorCount(), "fixture");
        return its;
    }

    // ---------------------------------------------------------------------------------------------
    // Every check, under both policies

    static Stream<Arguments> errorCases() {
        List<Arguments> cases = new ArrayList<>();
        long itt = RAM_BASE + 0x7F_0000L;
        // MAPD
        cases.add(Arguments.of("MAPD DeviceID beyond the table", mapd(BEYOND_TABLE, 3, itt, true), 0x010801));
        cases.add(Arguments.of("MAPD DeviceID beyond Devbits", mapd(BEYOND_DEVBITS, 3, itt, true), 0x010801));
        cases.add(Arguments.of("MAPD V=0 beyond the table", mapd(BEYOND_TABLE, 0, 0, false), 0x010801));
        cases.add(Arguments.of("MAPD Size = ID_bits + 1", mapd(UNMAPPED, 16, itt, true), 0x010802));
        cases.add(Arguments.of("MAPD Size 31", mapd(UNMAPPED, 31, itt, true), 0x010802));
        cases.add(Arguments.of("MAPD DeviceID checked before Size", mapd(BEYOND_TABLE, 31, itt, true), 0x010801));
        // MAPC
        cases.add(Arguments.of("MAPC ICID beyond the table", mapc(BEYOND_ICIDS, 0, true), 0x010903));
        cases.add(Arguments.of("MAPC V=0 ICID beyond the table", mapc(BEYOND_ICIDS, 0, false), 0x010903));
        cases.add(Arguments.of("MAPC RDbase = CPU count", mapc(3, 2, true), 0x010902));
        cases.add(Arguments.of("MAPC RDbase 0xFFFF", mapc(3, 0xFFFF, true), 0x010902));
        cases.add(Arguments.of("MAPC ICID checked before RDbase", mapc(BEYOND_ICIDS, 0xFFFF, true), 0x010903));
        // MAPTI, MAPI
        cases.add(Arguments.of("MAPTI DeviceID beyond the table", mapti(BEYOND_TABLE, 0, 8300, 0), 0x010A01));
        cases.add(Arguments.of("MAPTI unmapped device", mapti(UNMAPPED, 0, 8300, 0), 0x010A04));
        cases.add(Arguments.of("MAPTI EventID = 2^(Size+1)", mapti(MAPPED, BEYOND_EVENTS, 8300, 0), 0x010A05));
        cases.add(Arguments.of("MAPTI ICID beyond the table", mapti(MAPPED, NO_ITE, 8300, BEYOND_ICIDS), 0x010A03));
        cases.add(Arguments.of("MAPTI pINTID 8191", mapti(MAPPED, NO_ITE, 8191, 0), 0x010A06));
        cases.add(Arguments.of("MAPTI pINTID 1023", mapti(MAPPED, NO_ITE, 1023, 0), 0x010A06));
        cases.add(Arguments.of("MAPTI pINTID 0", mapti(MAPPED, NO_ITE, 0, 0), 0x010A06));
        cases.add(Arguments.of("MAPTI pINTID 2^lpiIdBits", mapti(MAPPED, NO_ITE, 0x1_0000, 0), 0x010A06));
        cases.add(Arguments.of("MAPTI device checked first", mapti(UNMAPPED, BEYOND_EVENTS, 1023, BEYOND_ICIDS),
            0x010A04));
        cases.add(Arguments.of("MAPTI EventID before ICID", mapti(MAPPED, BEYOND_EVENTS, 1023, BEYOND_ICIDS),
            0x010A05));
        cases.add(Arguments.of("MAPTI ICID before pINTID", mapti(MAPPED, NO_ITE, 1023, BEYOND_ICIDS), 0x010A03));
        cases.add(Arguments.of("MAPI DeviceID beyond the table", mapi(BEYOND_TABLE, 0, 0), 0x010B01));
        cases.add(Arguments.of("MAPI unmapped device", mapi(UNMAPPED, 0, 0), 0x010B04));
        cases.add(Arguments.of("MAPI EventID = 2^(Size+1)", mapi(MAPPED, BEYOND_EVENTS, 0), 0x010B05));
        cases.add(Arguments.of("MAPI ICID beyond the table", mapi(MAPPED, NO_ITE, BEYOND_ICIDS), 0x010B03));
        cases.add(Arguments.of("MAPI EventID as pINTID below 8192", mapi(MAPPED, NO_ITE, 0), 0x010B06));
        // MOVI
        cases.add(Arguments.of("MOVI DeviceID beyond the table", movi(BEYOND_TABLE, 0, 1), 0x010101));
        cases.add(Arguments.of("MOVI unmapped device", movi(UNMAPPED, 0, 1), 0x010104));
        cases.add(Arguments.of("MOVI EventID = 2^(Size+1)", movi(MAPPED, BEYOND_EVENTS, 1), 0x010105));
        cases.add(Arguments.of("MOVI no ITE", movi(MAPPED, NO_ITE, 1), 0x010107));
        cases.add(Arguments.of("MOVI new ICID beyond the table", movi(MAPPED, GOOD_EVENT, BEYOND_ICIDS), 0x010103));
        cases.add(Arguments.of("MOVI new collection unmapped", movi(MAPPED, GOOD_EVENT, UNMAPPED_ICID), 0x010109));
        cases.add(Arguments.of("MOVI old collection unmapped", movi(MAPPED, EVENT_IN_UNMAPPED_COLLECTION, 1),
            0x010109));
        // INT, CLEAR (byte 0x05), INV, DISCARD
        int[][] lookups = {{0x03, 0}, {0x05, 1}, {0x0C, 2}, {0x0F, 3}};
        String[] names = {"INT", "CLEAR", "INV", "DISCARD"};
        for (int[] l : lookups) {
            String n = names[l[1]];
            int b = l[0] << 8 | 0x01_0000;
            cases.add(Arguments.of(n + " DeviceID beyond the table", lookup(l[1], BEYOND_TABLE, 0), b | 0x01));
            cases.add(Arguments.of(n + " DeviceID beyond Devbits", lookup(l[1], BEYOND_DEVBITS, 0), b | 0x01));
            cases.add(Arguments.of(n + " unmapped device", lookup(l[1], UNMAPPED, 0), b | 0x04));
            cases.add(Arguments.of(n + " EventID = 2^(Size+1)", lookup(l[1], MAPPED, BEYOND_EVENTS), b | 0x05));
            cases.add(Arguments.of(n + " no ITE", lookup(l[1], MAPPED, NO_ITE), b | 0x07));
            cases.add(Arguments.of(n + " collection unmapped", lookup(l[1], MAPPED, EVENT_IN_UNMAPPED_COLLECTION),
                l[0] == 0x0F ? b | 0x07 : b | 0x10));
        }
        // INVALL, MOVALL
        cases.add(Arguments.of("INVALL ICID beyond the table", invall(BEYOND_ICIDS), 0x010D03));
        cases.add(Arguments.of("INVALL collection unmapped", invall(UNMAPPED_ICID), 0x010D09));
        cases.add(Arguments.of("MOVALL RDbase1 = CPU count", movall(2, 0), 0x010E01));
        cases.add(Arguments.of("MOVALL RDbase2 = CPU count", movall(0, 2), 0x010E01));
        cases.add(Arguments.of("MOVALL both RDbase 0xFFFF", movall(0xFFFF, 0xFFFF), 0x010E01));
        // unknown and GICv4 opcodes
        for (int op : new int[] {0x00, 0x02, 0x06, 0x07, 0x10, 0x20, 0x21, 0x22, 0x23, 0x25, 0x29, 0x2A, 0x2B, 0x2D,
            0x2E, 0x80, 0xFF}) {
            cases.add(Arguments.of(String.format("opcode 0x%02X", op), raw(op), 0x01_0000 | op << 8 | 0xFF));
        }
        return cases.stream();
    }

    private static long[] lookup(int which, int deviceId, int eventId) {
        return switch (which) {
            case 0 -> interrupt(deviceId, eventId);
            case 1 -> clear(deviceId, eventId);
            case 2 -> inv(deviceId, eventId);
            default -> discard(deviceId, eventId);
        };
    }

    @ParameterizedTest(name = "{0}: 0x{2}")
    @MethodSource("errorCases")
    void under_skip_the_error_is_recorded_and_the_queue_moves_on(String what, long[] bad, int code) {
        startFixture(ErrorPolicy.SKIP);
        its.post(bad, mapc(9, 1, true));
        assertTrue(its.drained(), "the queue moved on");
        assertFalse(its.stalled());
        assertFalse(its.its().stalled());
        assertEquals(code, its.its().lastError());
        assertEquals(1, its.errors(code));
        assertEquals(1, its.counter("commandError"));
        assertEquals(1, its.its().errorCount());
        assertEquals(cteValue(1, 9), its.cte(9), "the command behind ran");
    }

    @ParameterizedTest(name = "{0}: 0x{2}")
    @MethodSource("errorCases")
    void under_stall_the_queue_stops_and_retry_after_a_fix_resumes(String what, long[] bad, int code) {
        startFixture(ErrorPolicy.STALL);
        long at = its.cwriter();
        its.post(bad, mapc(9, 1, true));
        assertEquals(at | STALLED, its.creadr(), "CREADR stays on the failing command, Stalled = 1");
        assertTrue(its.its().stalled());
        assertEquals(code, its.its().lastError());
        assertEquals(1, its.errors(code));
        assertEquals(0, its.cte(9), "nothing behind it ran");
        assertEquals(1, its.counter("stall"));

        its.post(mapc(10, 1, true));
        assertEquals(at | STALLED, its.creadr(), "a CWRITER write without Retry does not restart");
        assertEquals(1, its.errors(code));

        its.retry();
        assertEquals(at | STALLED, its.creadr(), "Retry re-executes the unchanged command");
        assertEquals(2, its.errors(code));

        its.place(at, sync(0));
        its.retry();
        assertTrue(its.drained());
        assertFalse(its.its().stalled());
        assertEquals(cteValue(1, 9), its.cte(9));
        assertEquals(cteValue(1, 10), its.cte(10));
        assertEquals(2, its.errors(code));
    }

    @Test
    void unknown_opcodes_are_counted_as_unknown_commands() {
        startFixture(ErrorPolicy.SKIP);
        its.post(raw(0x02), raw(0x2A), raw(0xFF));
        assertEquals(3, its.counter("command.UNKNOWN"));
        assertEquals(1, its.errors(0x012AFF));
        assertEquals(0x01FFFF, its.its().lastError());
    }

    @Test
    void last_error_stays_after_later_good_commands() {
        startFixture(ErrorPolicy.SKIP);
        its.post(invall(UNMAPPED_ICID), sync(0), mapc(3, 0, true));
        assertEquals(0x010D09, its.its().lastError());
        its.post(invall(BEYOND_ICIDS));
        assertEquals(0x010D03, its.its().lastError());
        assertEquals(2, its.its().errorCount());
    }

    @Test
    void a_failed_command_changes_nothing() {
        startFixture(ErrorPolicy.SKIP);
        long dte = its.dte(MAPPED);
        long ite0 = its.ite(MAPPED, GOOD_EVENT);
        long ite1 = its.ite(MAPPED, EVENT_IN_UNMAPPED_COLLECTION);
        its.post(mapd(MAPPED, 16, 0, true), mapti(MAPPED, GOOD_EVENT, 1023, 0), movi(MAPPED, GOOD_EVENT, UNMAPPED_ICID),
            discard(MAPPED, EVENT_IN_UNMAPPED_COLLECTION), mapc(0, 7, true));
        assertEquals(5, its.its().errorCount());
        assertEquals(dte, its.dte(MAPPED));
        assertEquals(ite0, its.ite(MAPPED, GOOD_EVENT));
        assertEquals(ite1, its.ite(MAPPED, EVENT_IN_UNMAPPED_COLLECTION));
        assertEquals(cteValue(0, 0), its.cte(0));
        its.msi(MAPPED, GOOD_EVENT);
        assertEquals(List.of(8200), its.taken(0));
    }

    // ---------------------------------------------------------------------------------------------
    // Anchor bugs (ITS.md section 7)

    /** ITS.md 7 Q2: boundary IDs, max accepted and max + 1 rejected, for every ID field. */
    @Test
    void boundary_ids_max_are_accepted_and_max_plus_one_rejected() {
        start(ItsOptions.DEFAULTS, ItsDriver.its(0, 8, 8, false)).bringUp();
        List<long[]> good = List.of(mapd(255, 7, its.itt(7), true), mapti(255, 255, 0xFFFF, 511),
            mapti(255, 0, 8192, 0), mapc(511, 1, true), movall(1, 0), movi(255, 255, 1));
        List<Object[]> bad = List.of(
            new Object[] {mapd(256, 7, its.itt(7), true), 0x010801},
            new Object[] {mapd(254, 8, its.itt(8), true), 0x010802},
            new Object[] {mapti(255, 256, 0xFFFF, 0), 0x010A05},
            new Object[] {mapti(255, 1, 0x1_0000, 0), 0x010A06},
            new Object[] {mapti(255, 1, 8191, 0), 0x010A06},
            new Object[] {mapti(255, 1, 8300, 512), 0x010A03},
            new Object[] {mapc(512, 1, true), 0x010903},
            new Object[] {mapc(3, 2, true), 0x010902},
            new Object[] {movall(2, 0), 0x010E01});
        for (long[] c : good) {
            its.post(c);
            assertEquals(0, its.its().errorCount(), () -> String.format("command 0x%02X", c[0] & 0xFF));
        }
        assertEquals(iteValue(0xFFFF, 1), its.ite(255, 255));
        assertEquals(cteValue(1, 511), its.cte(511));
        long errors = 0;
        for (Object[] b : bad) {
            its.post((long[]) b[0]);
            assertEquals(++errors, its.its().errorCount());
            assertEquals((int) b[1], its.its().lastError());
        }
    }

    /** ITS.md 7 Q3: QEMU stopped at the first BASER with Valid = 0. */
    @ParameterizedTest(name = "device table valid {0}, collection table valid {1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void each_table_works_whatever_the_other_s_valid_bit(boolean devices, boolean collections) {
        start(ItsOptions.DEFAULTS);
        bringUpCpus(gic);
        if (devices) {
            its.deviceTable(PAGE_64K, 1, false);
        }
        if (collections) {
            its.collectionTable(PAGE_4K, 1, false);
        }
        its.commandQueue(16);
        its.enable();
        its.post(mapd(1, 3, its.itt(3), true));
        assertEquals(devices ? 0 : 0x010801, its.its().lastError());
        its.post(mapc(1, 1, true));
        assertEquals(collections ? devices ? 0 : 0x010801 : 0x010903, its.its().lastError());
        assertEquals((devices ? 0 : 1) + (collections ? 0 : 1), its.its().errorCount());
        if (devices) {
            assertEquals(dteValue(ittOf(its.dte(1)), 3), its.dte(1));
        }
        if (devices && collections) {
            its.mapEvent(1, 0, 8200, 1);
            its.msi(1, 0);
            assertEquals(List.of(8200), its.taken(1));
        } else {
            its.msi(1, 0);
            assertFalse(its.pending(1, 8200));
        }
    }

    /** ITS.md 7 Q5: MAPD Size = ID_bits is the largest; a 32-bit shift overflowed for Size 31. */
    @Test
    void mapd_size_id_bits_is_accepted_and_id_bits_plus_one_is_ittsize_oor() {
        start(ItsOptions.DEFAULTS).bringUp();
        long itt = its.itt(15);
        its.post(mapd(1, 15, itt, true));
        assertEquals(0, its.its().errorCount());
        assertEquals(dteValue(itt, 15), its.dte(1));
        its.post(mapd(2, 16, itt, true));
        assertEquals(0x010802, its.its().lastError());
        assertEquals(0, its.dte(2));
        its.post(mapd(2, 16, 0, false));
        assertEquals(1, its.its().errorCount(), "Size is only checked when V = 1");
    }

    /** ITS.md 7 Q5: QEMU's MAPI lacked the EventID check. */
    @Test
    void mapi_eventid_2_pow_size_plus_1_is_id_oor() {
        start(ItsOptions.DEFAULTS).bringUp();
        its.mapDevice(1, 15);
        its.post(mapi(1, 0xFFFF, 1));
        assertEquals(0, its.its().errorCount());
        assertEquals(iteValue(0xFFFF, 1), its.ite(1, 0xFFFF));
        its.post(mapi(1, 0x1_0000, 1));
        assertEquals(0x010B05, its.its().lastError());
        its.mapDevice(2, 13);
        its.post(mapi(2, 1 << 14, 1));
        assertEquals(2, its.its().errorCount());
        assertEquals(0x010B05, its.its().lastError());
        its.msi(1, 0xFFFF);
        assertEquals(List.of(0xFFFF), its.taken(1));
    }

    /** ITS.md 7 Q9: QEMU validated RDbase of MAPC V=0. */
    @Test
    void mapc_v0_with_garbage_rdbase_is_accepted() {
        start(ItsOptions.DEFAULTS).bringUp();
        its.post(mapc(1, 0xF_FFFF_FFFFL, false), mapc(0, 0xFFFF, false));
        assertEquals(0, its.its().errorCount());
        assertEquals(0, its.cte(1));
        assertEquals(0, its.cte(0));
    }

    /** ITS.md 7 Q9: QEMU accepted INTID 1023 (a special INTID) as a pINTID. */
    @Test
    void mapti_with_intid_1023_is_physicalid_oor() {
        start(ItsOptions.DEFAULTS).bringUp();
        its.mapDevice(1, 3);
        its.post(mapti(1, 0, 1023, 0));
        assertEquals(0x010A06, its.its().lastError());
        assertEquals(1, its.errors(0x010A06));
        assertEquals(0, its.ite(1, 0));
    }

    /** ITS.md 7 K5: KVM's DISCARD succeeded on an ITE whose collection was never mapped. */
    @Test
    void discard_with_an_unmapped_collection_fails_and_keeps_the_ite() {
        startFixture(ErrorPolicy.SKIP);
        long ite = its.ite(MAPPED, EVENT_IN_UNMAPPED_COLLECTION);
        its.post(discard(MAPPED, EVENT_IN_UNMAPPED_COLLECTION));
        assertEquals(0x010F07, its.its().lastError());
        assertEquals(ite, its.ite(MAPPED, EVENT_IN_UNMAPPED_COLLECTION));
        its.post(mapc(UNMAPPED_ICID, 1, true), sync(1));
        its.msi(MAPPED, EVENT_IN_UNMAPPED_COLLECTION);
        assertEquals(List.of(8201), its.taken(1), "the mapping survived the failed DISCARD");
    }

    // ---------------------------------------------------------------------------------------------
    // Memory faults stall whatever the policy

    @Test
    void command_queue_outside_ram_stalls_even_under_skip() {
        start(ItsOptions.DEFAULTS).bringUp();
        its.disable();
        long good = its.queue;
        its.commandQueueAt(RAM_BASE + RAM, 1);
        its.write64(GITS_CWRITER, 0);
        its.enable();
        assertEquals(0, its.creadr());
        int outOfRange = TestGic.host(gic).mem().outOfRange();
        its.write32(GITS_CWRITER, 32);
        assertEquals(STALLED, its.creadr());
        assertTrue(its.its().stalled());
        assertEquals(1, its.counter("stall"));
        assertTrue(TestGic.host(gic).mem().outOfRange() > outOfRange, "the ITS tried to read the command");

        its.disable();
        its.queue = good;
        its.place(0, mapc(7, 1, true));
        its.commandQueueAt(good, 16);
        assertEquals(0, its.creadr(), "a CBASER write clears Stalled");
        its.enable();
        assertEquals(32, its.creadr());
        assertEquals(cteValue(1, 7), its.cte(7));
    }

    @Test
    void device_table_outside_ram_stalls_even_under_skip() {
        start(ItsOptions.DEFAULTS);
        bringUpCpus(gic);
        its.table(0, RAM_BASE + RAM, PAGE_64K, 1, false);
        its.collectionTable(PAGE_4K, 1, false);
        its.commandQueue(16);
        its.enable();
        its.post(mapc(0, 0, true), mapd(1, 3, its.itt(3), true), mapc(1, 1, true));
        assertEquals(32 | STALLED, its.creadr());
        assertEquals(cteValue(0, 0), its.cte(0));
        assertEquals(0, its.cte(1));
    }

    @Test
    void collection_table_outside_ram_stalls_even_under_skip() {
        start(ItsOptions.DEFAULTS);
        bringUpCpus(gic);
        its.deviceTable(PAGE_64K, 1, false);
        its.table(1, RAM_BASE + RAM + 0x1_0000, PAGE_4K, 1, false);
        its.commandQueue(16);
        its.enable();
        its.post(mapc(0, 0, true));
        assertEquals(STALLED, its.creadr());
        assertTrue(its.its().stalled());
    }

    @Test
    void itt_partly_outside_ram_stalls_mapti_even_under_skip() {
        start(ItsOptions.DEFAULTS).bringUp();
        long itt = RAM_BASE + RAM - 0x100;
        its.post(mapd(1, 5, itt, true));
        assertTrue(its.drained(), "MAPD does not touch the ITT");
        its.post(mapti(1, 31, 8200, 0));
        assertTrue(its.drained(), "event 31 is the ITT's last entry in RAM");
        assertEquals(iteValue(8200, 0), its.load64(RAM_BASE + RAM - 8));
        long at = its.cwriter();
        its.post(mapti(1, 32, 8201, 0), sync(0));
        assertEquals(at | STALLED, its.creadr());
        assertEquals(0, its.its().errorCount(), "a memory fault is no command error");
        its.place(at, mapti(1, 30, 8201, 0));
        its.retry();
        assertTrue(its.drained());
        assertEquals(iteValue(8201, 0), its.load64(RAM_BASE + RAM - 16));
    }

    @Test
    void msi_whose_itt_is_outside_ram_is_dropped_as_a_memory_fault() {
        start(ItsOptions.DEFAULTS).bringUp();
        its.post(mapd(1, 3, RAM_BASE + RAM, true));
        its.msi(1, 0);
        assertEquals(1, its.counter("msi.dropped.memory"));
        assertFalse(its.stalled(), "translation faults do not stall the queue");
    }

    // ---------------------------------------------------------------------------------------------
    // Policies per ITS

    @Test
    void stall_write_of_cbaser_clears_stalled_and_restarts_at_zero() {
        startFixture(ErrorPolicy.STALL);
        its.post(invall(UNMAPPED_ICID));
        assertTrue(its.stalled());
        its.disable();
        its.queue = its.alloc(0x1000, 0x1_0000);
        its.place(0, mapc(11, 0, true));
        its.commandQueueAt(its.queue, 1);
        its.write32(GITS_CWRITER, 32);
        assertEquals(0, its.creadr());
        its.enable();
        assertEquals(32, its.creadr());
        assertEquals(cteValue(0, 11), its.cte(11));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ErrorPolicy.class)
    void the_last_policy_applies_to_every_further_its(ErrorPolicy second) {
        gic = machine(2, ItsDriver.its(0), ItsDriver.its(1), ItsDriver.its(2)).lenient()
            .create(new ItsGicProvider(new ItsOptions(1, 0x0808_0000L, 0x2_0000L, 16, 16, false, 4096,
                List.of(ErrorPolicy.SKIP, second))));
        for (int i = 0; i < 3; i++) {
            ItsDriver d = new ItsDriver(gic, i).bringUp();
            d.post(invall(100), mapc(9, 1, true));
            boolean stalls = i > 0 && second == ErrorPolicy.STALL;
            assertEquals(stalls, d.stalled(), "ITS " + i);
            assertEquals(stalls ? 0 : cteValue(1, 9), d.cte(9), "ITS " + i);
            assertEquals(1, d.errors(0x010D09), "ITS " + i);
        }
    }

    @Test
    void itses_share_the_lpis_and_keep_their_own_tables() {
        gic = machine(2, ItsDriver.its(0), ItsDriver.its(1)).lenient().create(new ItsGicProvider(ItsOptions.DEFAULTS));
        ItsDriver a = new ItsDriver(gic, 0).bringUp();
        ItsDriver b = new ItsDriver(gic, 1).bringUp();
        a.mapDevice(1, 3);
        a.mapEvent(1, 0, 8200, 0);
        b.mapDevice(1, 3);
        b.mapEvent(1, 0, 8300, 1);
        a.msi(1, 0);
        b.msi(1, 0);
        assertEquals(List.of(8200), a.taken(0));
        assertEquals(List.of(8300), b.taken(1));
        assertEquals(1, a.counter("msi"));
        assertEquals(1, b.counter("msi"));
        b.post(invall(7));
        assertEquals(0, a.its().errorCount());
        assertEquals(0x010D09, b.its().lastError());
    }
}
