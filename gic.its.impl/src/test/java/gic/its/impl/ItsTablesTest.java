package gic.its.impl;

import static gic.core.TestGic.RAM_BASE;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.ItsConfig;
import gic.core.GicCore;
import gic.core.Regs;
import gic.core.TestMemory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Device and collection tables in guest memory (ITS.md section 4, design "Tables"): flat and two-level at
 * 4K, 16K and 64K pages, L1 descriptors, the table bounds, tables running past the end of RAM, canaries
 * after every table, and PTA = 1 (commands name redistributors by physical address).
 */
class ItsTablesTest {

    private static final long RAM_END = RAM_BASE + RAM;

    private GicCore gic;
    private ItsDriver its;

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    /** Two CPUs, the GIC side brought up; the ITS's tables, queue and Enable are left to the test. */
    private ItsDriver start(ItsConfig config) {
        gic = machine(2, config).lenient().create(new ItsGicProvider(ItsOptions.DEFAULTS));
        its = new ItsDriver(gic, 0);
        bringUpCpus(gic);
        return its;
    }

    /** Queue, Enable, and ICIDs 0 and 1 mapped to CPUs 0 and 1. */
    private void enableWithCollections() {
        its.commandQueue(16);
        its.enable();
        its.mapCollections();
    }

    private int outOfRange() {
        return its.mem.outOfRange();
    }

    /** The IDs a test maps in a table: both ends of the first and second L2 page / page, and the last ID. */
    private static List<Long> sampleIds(Table t, long idLimit) {
        long max = Math.min(t.ids(), idLimit) - 1;
        List<Long> ids = new ArrayList<>(List.of(0L, t.perPage() - 1L, (long) t.perPage(), max));
        return ids.stream().filter(id -> id <= max).distinct().toList();
    }

    /** For a two-level table, L2 pages for every sample ID. */
    private void l2PagesFor(Table t, List<Long> ids) {
        if (t.indirect()) {
            ids.stream().map(id -> (int) (id / t.perPage())).distinct().forEach(l1 -> its.l2Page(t, l1));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Geometry

    @ParameterizedTest(name = "page size code {0}, indirect {1}")
    @CsvSource({"0, false", "1, false", "2, false", "0, true", "1, true", "2, true"})
    void device_table_holds_devices_across_its_range(int pageSize, boolean indirect) {
        start(ItsDriver.its(0));
        Table t = its.deviceTable(pageSize, 2, indirect);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        List<Long> ids = sampleIds(t, 1 << 16);
        l2PagesFor(t, ids);
        int lpi = 8192;
        for (long id : ids) {
            long itt = its.mapDevice((int) id, 1);
            assertEquals(dteValue(itt, 1), its.load64(its.entryAddress(t, id)), "DeviceID " + id);
            its.mapEvent((int) id, 3, lpi, (int) id % 2);
            assertTrue(its.msi((int) id, 3));
            assertEquals(List.of(lpi), its.taken((int) id % 2), "DeviceID " + id);
            lpi++;
        }
        assertEquals(0, its.its().errorCount());
        if (t.ids() < 1 << 16) {
            its.post(mapd((int) t.ids(), 1, its.itt(1), true));
            assertEquals(0x010801, its.its().lastError(), "DeviceID just beyond the table");
        }
        assertEquals(0, outOfRange());
    }

    @ParameterizedTest(name = "page size code {0}, indirect {1}")
    @CsvSource({"0, false", "1, false", "2, false", "0, true", "1, true", "2, true"})
    void collection_table_holds_collections_across_its_range(int pageSize, boolean indirect) {
        start(ItsDriver.its(0));
        its.deviceTable(PAGE_64K, 1, false);
        Table t = its.collectionTable(pageSize, 2, indirect);
        List<Long> ids = sampleIds(t, 1 << 16);
        l2PagesFor(t, ids);
        its.commandQueue(16);
        its.enable();
        its.mapDevice(1, 3);
        int event = 0;
        for (long icid : ids) {
            int cpu = (int) icid % 2;
            its.post(mapc((int) icid, cpu, true), sync(cpu));
            assertEquals(cteValue(cpu, (int) icid), its.load64(its.entryAddress(t, icid)), "ICID " + icid);
            its.mapEvent(1, event, 8192 + event, (int) icid);
            its.msi(1, event);
            assertEquals(List.of(8192 + event), its.taken(cpu), "ICID " + icid);
            event++;
        }
        assertEquals(0, its.its().errorCount());
        if (t.ids() < 1 << 16) {
            its.post(mapc((int) t.ids(), 0, true));
            assertEquals(0x010903, its.its().lastError(), "ICID just beyond the table");
        }
    }

    @Test
    void page_size_code_3_is_used_as_64k() {
        start(ItsDriver.its(0));
        Table t = its.deviceTable(PAGE_64K, 1, false);
        its.write64(GITS_BASER, its.read64(GITS_BASER) | 3L << 8);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        long itt = its.mapDevice(8191, 1);
        assertEquals(dteValue(itt, 1), its.load64(t.pa() + 8 * 8191));
        its.post(mapd(8192, 1, itt, true));
        assertEquals(0x010801, its.its().lastError());
    }

    @Test
    void baser_address_bits_below_the_page_size_are_ignored() {
        start(ItsDriver.its(0));
        long pa = its.alloc(0x8000, 0x4000);
        its.table(0, pa + 0x1000, PAGE_16K, 1, false);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        long itt = its.mapDevice(2, 1);
        assertEquals(dteValue(itt, 1), its.load64(pa + 16));
        assertEquals(0, its.load64(pa + 0x1000 + 16));
    }

    @Test
    void size_field_counts_pages() {
        start(ItsDriver.its(0));
        Table t = its.deviceTable(PAGE_4K, 3, false);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        long itt = its.mapDevice(3 * 512 - 1, 1);
        assertEquals(dteValue(itt, 1), its.load64(t.pa() + 8 * (3 * 512 - 1)));
        its.post(mapd(3 * 512, 1, itt, true));
        assertEquals(0x010801, its.its().lastError());
    }

    // ---------------------------------------------------------------------------------------------
    // L1 descriptors

    @Test
    void invalid_l1_descriptor_makes_commands_device_oor_and_drops_msis() {
        start(ItsDriver.its(0));
        Table t = its.deviceTable(PAGE_4K, 1, true);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        its.l2Page(t, 1);
        its.mapDevice(512, 3);
        its.mapEvent(512, 0, 8200, 0);
        its.l1(t, 1, 0);
        its.msi(512, 0);
        assertFalse(its.pending(0, 8200));
        assertEquals(1, its.counter("msi.dropped.device"));
        its.post(interrupt(512, 0));
        assertEquals(0x010301, its.its().lastError());
        its.post(mapd(700, 3, its.itt(3), true));
        assertEquals(0x010801, its.its().lastError());
        assertEquals(2, its.its().errorCount());
    }

    @Test
    void invalid_l1_descriptor_makes_collection_commands_collection_oor() {
        start(ItsDriver.its(0));
        its.deviceTable(PAGE_64K, 1, false);
        Table t = its.collectionTable(PAGE_4K, 1, true);
        its.l2Page(t, 0);
        enableWithCollections();
        its.post(mapc(512, 1, true));
        assertEquals(0x010903, its.its().lastError());
        its.mapDevice(1, 3);
        its.post(mapti(1, 0, 8200, 600));
        assertEquals(0x010A03, its.its().lastError());
        its.post(invall(513));
        assertEquals(0x010D03, its.its().lastError());
    }

    @Test
    void making_an_l1_descriptor_valid_later_lets_commands_use_it() {
        start(ItsDriver.its(0));
        Table dt = its.deviceTable(PAGE_16K, 1, true);
        Table ct = its.collectionTable(PAGE_16K, 1, true);
        its.l2Page(ct, 0);
        enableWithCollections();
        int dev = 3 * dt.perPage() + 5;
        long itt = its.itt(3);
        its.post(mapd(dev, 3, itt, true));
        assertEquals(0x010801, its.its().lastError());
        int icid = 2 * ct.perPage() + 1;
        its.post(mapc(icid, 1, true));
        assertEquals(0x010903, its.its().lastError());

        long page = its.l2Page(dt, 3);
        its.l2Page(ct, 2);
        its.post(mapd(dev, 3, itt, true), mapc(icid, 1, true));
        assertEquals(2, its.its().errorCount());
        assertEquals(dteValue(itt, 3), its.load64(page + 8 * 5));
        assertEquals(cteValue(1, icid), its.cte(icid));
        its.mapEvent(dev, 7, 8300, icid);
        its.msi(dev, 7);
        assertEquals(List.of(8300), its.taken(1));
    }

    @Test
    void device_id_beyond_the_l1_table_is_device_oor() {
        start(ItsDriver.its(0, 20, 16, false));
        Table t = its.deviceTable(PAGE_4K, 1, true);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        its.l2Page(t, 511);
        long itt = its.mapDevice(512 * 512 - 1, 1);
        assertEquals(0, its.its().errorCount());
        assertEquals(dteValue(itt, 1), its.dte(512 * 512 - 1));
        its.post(mapd(512 * 512, 1, itt, true));
        assertEquals(0x010801, its.its().lastError());
        assertEquals(0, outOfRange());
    }

    // ---------------------------------------------------------------------------------------------
    // Tables at the end of RAM

    @Test
    void device_table_partly_outside_ram_stalls_on_the_entries_outside() {
        start(ItsDriver.its(0));
        its.table(0, RAM_END - 0x1000, PAGE_4K, 2, false);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        long itt = its.mapDevice(511, 1);
        assertEquals(dteValue(itt, 1), its.load64(RAM_END - 8), "the last entry in RAM works");
        assertEquals(0, outOfRange());
        long at = its.cwriter();
        its.post(mapd(512, 1, itt, true), mapc(5, 1, true));
        assertEquals(at | STALLED, its.creadr());
        assertTrue(outOfRange() > 0, "the access was refused by guest memory, not made");
        assertEquals(dteValue(itt, 1), its.load64(RAM_END - 8));
        assertEquals(0, its.cte(5));
    }

    @Test
    void l1_table_partly_outside_ram_stalls_on_the_descriptors_outside() {
        start(ItsDriver.its(0, 20, 16, false));
        Table t = its.table(0, RAM_END - 0x1000, PAGE_4K, 2, true);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        its.l2Page(t, 511);
        long itt = its.mapDevice(511 * 512, 1);
        assertEquals(dteValue(itt, 1), its.dte(511 * 512));
        assertEquals(0, outOfRange());
        long at = its.cwriter();
        its.post(mapd(512 * 512, 1, itt, true));
        assertEquals(at | STALLED, its.creadr());
        assertTrue(outOfRange() > 0);
    }

    @Test
    void collection_table_partly_outside_ram_stalls_on_the_entries_outside() {
        start(ItsDriver.its(0));
        its.deviceTable(PAGE_64K, 1, false);
        its.table(1, RAM_END - 0x1000, PAGE_4K, 2, false);
        its.commandQueue(16);
        its.enable();
        its.post(mapc(511, 1, true));
        assertEquals(cteValue(1, 511), its.load64(RAM_END - 8));
        assertEquals(0, outOfRange());
        long at = its.cwriter();
        its.post(mapc(512, 1, true));
        assertEquals(at | STALLED, its.creadr());
        assertTrue(outOfRange() > 0);
    }

    /** ITS.md 7 Q4: QEMU miscalculated the entry size and wrote past its tables. */
    @ParameterizedTest(name = "indirect {0}")
    @ValueSource(booleans = {false, true})
    void canaries_after_every_table_survive(boolean indirect) {
        start(ItsDriver.its(0, 20, 16, false));
        TestMemory mem = its.mem;
        long dt = its.alloc(0x2000, 0x1000);
        long ct = its.alloc(0x2000, 0x1000);
        long q = its.alloc(0x2000, 0x1_0000);
        long itt = its.alloc(0x200, 0x100);
        mem.fill(dt + 0x1000, 0x1000, 0xA5);
        mem.fill(ct + 0x1000, 0x1000, 0xA5);
        mem.fill(q + 0x1000, 0x1000, 0xA5);
        mem.fill(itt + 0x80, 0x180, 0xA5);
        Table d = its.table(0, dt, PAGE_4K, 1, indirect);
        Table c = its.table(1, ct, PAGE_4K, 1, indirect);
        int lastDev = 511;
        int lastIcid = 511;
        if (indirect) {
            long l2d = its.alloc(0x2000, 0x1000);
            long l2c = its.alloc(0x2000, 0x1000);
            mem.fill(l2d + 0x1000, 0x1000, 0xA5);
            mem.fill(l2c + 0x1000, 0x1000, 0xA5);
            its.l1(d, 511, l2d | VALID);
            its.l1(c, 0xFFFF / 512, l2c | VALID);
            lastDev = 512 * 512 - 1;
            lastIcid = 0xFFFF;
        }
        its.commandQueueAt(q, 1);
        its.write64(GITS_CWRITER, 0);
        its.enable();
        for (int round = 0; round < 40; round++) {
            its.post(mapd(lastDev, 3, itt, true), mapc(lastIcid, round % 2, true), mapc(lastIcid - 1, 0, true),
                mapti(lastDev, 15, 8192 + round, lastIcid), interrupt(lastDev, 15), clear(lastDev, 15),
                movi(lastDev, 15, lastIcid - 1), inv(lastDev, 15), discard(lastDev, 15), sync(0));
        }
        assertEquals(0, its.its().errorCount());
        assertEquals(dteValue(itt, 3), its.dte(lastDev));
        assertEquals(cteValue(1, lastIcid), its.cte(lastIcid));
        for (long[] canary : new long[][] {{dt + 0x1000, 0x1000}, {ct + 0x1000, 0x1000}, {q + 0x1000, 0x1000},
            {itt + 0x80, 0x180}}) {
            for (long a = canary[0]; a < canary[0] + canary[1]; a++) {
                assertEquals(0xA5, mem.byteAt(a), "canary at 0x" + Long.toHexString(a));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Table switches

    @Test
    void a_new_device_table_takes_effect_after_disable_and_enable() {
        start(ItsDriver.its(0));
        its.deviceTable(PAGE_64K, 1, false);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        its.mapDevice(1, 3);
        its.mapEvent(1, 0, 8200, 0);
        its.msi(1, 0);
        assertEquals(List.of(8200), its.taken(0));
        its.disable();
        its.deviceTable(PAGE_64K, 1, false);
        its.enable();
        its.msi(1, 0);
        assertFalse(its.pending(0, 8200), "device 1 is not in the new table");
        assertEquals(1, its.counter("msi.dropped.device"));
    }

    // ---------------------------------------------------------------------------------------------
    // PTA = 1

    @Test
    void pta_commands_name_redistributors_by_physical_address() {
        start(ItsDriver.its(0, 16, 16, true));
        assertEquals(1L << 19, its.read64(GITS_TYPER) & 1L << 19);
        its.deviceTable(PAGE_64K, 1, false);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        assertEquals(0, its.its().errorCount(), "bring-up with RD addresses");
        assertEquals(cteValue(1, 1), its.cte(1), "the CTE stores the processor number whatever PTA");
        assertEquals(Regs.rdBase(gic, 1) >>> 16, its.rd(1));

        its.mapDevice(1, 3);
        its.mapEvent(1, 0, 8200, 1);
        its.post(interrupt(1, 0), sync(its.rd(1)));
        assertTrue(its.pending(1, 8200));
        its.post(movall(its.rd(1), its.rd(0)), sync(its.rd(0)));
        assertTrue(its.pending(0, 8200));
        assertFalse(its.pending(1, 8200));
        assertEquals(List.of(8200), its.taken(0));
        assertEquals(0, its.its().errorCount());
    }

    @Test
    void pta_rdbase_that_is_no_redistributor_is_procnum_oor() {
        start(ItsDriver.its(0, 16, 16, true));
        its.deviceTable(PAGE_64K, 1, false);
        its.collectionTable(PAGE_4K, 1, false);
        enableWithCollections();
        long sgiFrame = (Regs.rdBase(gic, 1) + 0x1_0000) >>> 16;
        long pastLast = Regs.rdBase(gic, 2) >>> 16;
        for (long rd : new long[] {1, 0, sgiFrame, pastLast}) {
            its.post(mapc(7, rd, true));
            assertEquals(0x010902, its.its().lastError(), "MAPC RDbase 0x" + Long.toHexString(rd));
        }
        its.post(movall(1, its.rd(0)));
        assertEquals(0x010E01, its.its().lastError(), "a processor number is no address with PTA = 1");
        assertEquals(5, its.its().errorCount());
        assertEquals(0, its.cte(7));
    }
}
