package gic.its.impl;

import static gic.core.TestGic.disableLpis;
import static gic.core.TestGic.enableLpis;
import static gic.core.TestGic.host;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import gic.api.GicSnapshot;
import gic.api.ItsConfig;
import gic.core.GicCore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The translation cache and its invalidation points (design "Translation cache"; {@link TranslationCache}
 * javadoc): one test per trigger. Each fills the cache with an MSI, changes what the tables say (with the
 * command itself, or behind the ITS's back in guest memory), fires the trigger and sends the MSI again:
 * it must be translated by the tables as they are now, never by the stale cached entry.
 *
 * <p>Where the tables are edited behind the ITS (UNPREDICTABLE for a guest, used here only as a probe),
 * the test first checks that the edit alone changes nothing ({@link #staleEntryIsStillUsed}): the cache
 * really holds the old translation, so the trigger is what makes the difference.
 *
 * <p>Four CPUs; ICID c is mapped to CPU c and every LPI is enabled ({@link ItsDriver#bringUp}).
 */
class TranslationCacheTest {

    private static final int DEV = 1;
    private static final int EV = 2;
    private static final int A = 8200;
    private static final int B = 8201;

    private GicCore gic;
    private ItsDriver its;
    private long itt;

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    private ItsDriver start(ItsOptions options, ItsConfig... configs) {
        gic = machine(4, configs).create(new ItsGicProvider(options));
        its = new ItsDriver(gic, 0).bringUp();
        return its;
    }

    private ItsDriver start() {
        return start(ItsOptions.DEFAULTS);
    }

    /** Device {@link #DEV} with 16 events, its event {@link #EV} → LPI {@code pintid} through {@code icid}. */
    private void mapEvent(int pintid, int icid) {
        itt = its.mapDevice(DEV, 3);
        its.mapEvent(DEV, EV, pintid, icid);
    }

    private long misses() {
        return its.counter("cache.miss");
    }

    /** Sends the MSI of ({@link #DEV}, {@link #EV}) and returns what each CPU takes. */
    private List<List<Integer>> msi() {
        its.msi(DEV, EV);
        return takenByCpu(its);
    }

    private static List<List<Integer>> takenByCpu(ItsDriver d) {
        return List.of(d.taken(0), d.taken(1), d.taken(2), d.taken(3));
    }

    /** What {@link #msi} returns when only {@code cpu} takes {@code intid}. */
    private static List<List<Integer>> only(int cpu, int intid) {
        List<List<Integer>> out = new ArrayList<>(List.of(List.of(), List.of(), List.of(), List.of()));
        out.set(cpu, List.of(intid));
        return out;
    }

    private static final List<List<Integer>> NOTHING = List.of(List.of(), List.of(), List.of(), List.of());

    /** Fills the cache: the first MSI walks the tables, the second hits the entry the walk made. */
    private void fillCache(int expectedCpu, int expectedIntid) {
        long before = misses();
        assertEquals(only(expectedCpu, expectedIntid), msi(), "first MSI (table walk)");
        assertEquals(before + 1, misses(), "the first MSI of a translation walks the tables");
        assertEquals(only(expectedCpu, expectedIntid), msi(), "second MSI (cache hit)");
        assertEquals(before + 1, misses(), "the second MSI hits the cache");
    }

    /** Rewrites the ITE of ({@link #DEV}, {@link #EV}) in guest memory, behind the ITS. */
    private void editIteBehindTheIts(int pintid, int icid) {
        its.store64(itt + 8L * EV, iteValue(pintid, icid));
    }

    /** Precondition: the edit alone changed nothing, the cached translation is still used. */
    private void staleEntryIsStillUsed(int cpu, int intid) {
        long before = misses();
        assertEquals(only(cpu, intid), msi(), "precondition: without a trigger the cached translation is used");
        assertEquals(before, misses(), "precondition: cache hit");
    }

    /** After a trigger: the MSI walks the tables again and is delivered as they say now. */
    private void translatedByTheTables(int cpu, int intid) {
        long before = misses();
        assertEquals(only(cpu, intid), msi());
        assertEquals(before + 1, misses(), "the trigger emptied the cached entry: the MSI walks the tables");
    }

    /** The MSI is dropped for {@code reason}; it walked the tables ({@code walked}) or never got that far. */
    private void droppedAs(String reason, boolean walked) {
        long before = its.counter("msi.dropped." + reason);
        long missesBefore = misses();
        assertEquals(NOTHING, msi());
        assertEquals(before + 1, its.counter("msi.dropped." + reason), "dropped as " + reason);
        assertEquals(missesBefore + (walked ? 1 : 0), misses(), walked ? "the dropped MSI walked the tables"
            : "a disabled ITS neither looks up nor walks");
    }

    private void droppedAs(String reason) {
        droppedAs(reason, true);
    }

    // ---------------------------------------------------------------------------------------------
    // Commands that invalidate one entry

    @Test
    void discard_invalidates_the_entry_so_the_next_msi_is_dropped() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        its.post(discard(DEV, EV), sync(its.rd(0)));
        droppedAs("event");
        assertEquals(0, its.its().errorCount());
    }

    @Test
    void movi_invalidates_the_entry_so_the_next_msi_reaches_the_new_cpu() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        its.post(movi(DEV, EV, 1), sync(its.rd(1)));
        translatedByTheTables(1, A);
    }

    @Test
    void mapti_of_a_mapped_event_invalidates_its_entry() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        its.mapEvent(DEV, EV, B, 3); // IMPDEF: remapping a mapped event overwrites its ITE
        translatedByTheTables(3, B);
    }

    @Test
    void mapi_of_a_mapped_event_invalidates_its_entry() {
        start();
        int ev = 8300; // MAPI uses the EventID as the pINTID: the ITT needs 2^14 events
        itt = its.mapDevice(DEV, 13);
        its.mapEvent(DEV, ev, A, 0);
        its.msi(DEV, ev);
        assertEquals(only(0, A), takenByCpu(its));
        its.msi(DEV, ev);
        assertEquals(only(0, A), takenByCpu(its));
        long before = misses();
        its.post(mapi(DEV, ev, 2), sync(its.rd(2)));
        its.msi(DEV, ev);
        assertEquals(only(2, ev), takenByCpu(its));
        assertEquals(before + 1, misses());
    }

    // ---------------------------------------------------------------------------------------------
    // Commands that invalidate every entry

    @Test
    void mapd_of_another_device_invalidates_every_entry() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        editIteBehindTheIts(B, 1);
        staleEntryIsStillUsed(0, A);
        its.mapDevice(DEV + 1, 3); // MAPD, no SYNC (as Linux)
        translatedByTheTables(1, B);
    }

    @Test
    void mapd_remap_of_the_device_to_a_new_itt_uses_the_new_itt() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        long newItt = its.itt(3);
        its.store64(newItt + 8L * EV, iteValue(B, 2)); // the new ITT, not yet named by any DTE
        its.post(mapd(DEV, 3, newItt, true));
        translatedByTheTables(2, B);
    }

    @Test
    void mapd_unmap_of_the_device_invalidates_its_entries() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        its.post(mapd(DEV, 0, 0, false));
        droppedAs("device");
    }

    @Test
    void mapc_of_a_new_collection_invalidates_every_entry() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        editIteBehindTheIts(B, 1);
        staleEntryIsStillUsed(0, A);
        its.post(mapc(7, its.rd(3), true), sync(its.rd(3)));
        translatedByTheTables(1, B);
    }

    @Test
    void mapc_remap_of_the_collection_sends_the_next_msi_to_its_new_cpu() {
        start();
        mapEvent(A, 2);
        fillCache(2, A);
        its.post(mapc(2, its.rd(3), true), sync(its.rd(3)));
        translatedByTheTables(3, A);
    }

    @Test
    void mapc_unmap_of_the_collection_invalidates_its_entries() {
        start();
        mapEvent(A, 2);
        fillCache(2, A);
        its.post(mapc(2, 0, false), sync(its.rd(2)));
        droppedAs("collection");
    }

    @Test
    void movall_invalidates_every_entry_even_of_other_redistributors() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        editIteBehindTheIts(B, 1);
        staleEntryIsStillUsed(0, A);
        its.post(movall(its.rd(2), its.rd(3)), sync(its.rd(3)));
        translatedByTheTables(1, B);
        assertEquals(0, its.its().errorCount());
    }

    // ---------------------------------------------------------------------------------------------
    // Register writes

    @Test
    void disabling_the_its_invalidates_every_entry() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        editIteBehindTheIts(B, 1);
        staleEntryIsStillUsed(0, A);
        its.disable();
        droppedAs("disabled", false);
        its.enable();
        translatedByTheTables(1, B);
    }

    /**
     * GITS_BASER is writable only while Enabled = 0, and clearing Enabled already empties the cache, so a
     * guest cannot tell the two triggers apart: this pins what it can see, that a device table swapped in
     * through GITS_BASER0 is the one translations use once the ITS is enabled again.
     */
    @Test
    void msis_after_a_device_table_swap_through_baser0_use_the_new_table() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        Table old = its.devices;
        long newItt = its.itt(3);
        its.store64(newItt + 8L * EV, iteValue(B, 3));
        long newTable = its.alloc(0x1_0000, 0x1_0000);
        its.store64(newTable + 8L * DEV, dteValue(newItt, 3));
        its.disable();
        its.table(0, newTable, PAGE_64K, 1, false);
        its.enable();
        translatedByTheTables(3, B);
        // and back: the old table (and so the old ITT) again
        its.disable();
        its.table(0, old.pa(), PAGE_64K, 1, false);
        its.enable();
        translatedByTheTables(0, A);
    }

    @Test
    void msis_after_a_collection_table_swap_through_baser1_use_the_new_table() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        long newTable = its.alloc(0x1000, 0x1000);
        its.store64(newTable, cteValue(2, 0)); // ICID 0 → CPU 2
        its.disable();
        its.table(1, newTable, PAGE_4K, 1, false);
        its.enable();
        translatedByTheTables(2, A);
    }

    @Test
    void disabling_lpis_on_any_redistributor_invalidates_every_entry_of_every_its() {
        gic = machine(4, its(0), its(1)).create(new ItsGicProvider());
        ItsDriver its0 = new ItsDriver(gic, 0).bringUp();
        ItsDriver its1 = new ItsDriver(gic, 1).bringUp();
        long itt0 = its0.mapDevice(DEV, 3);
        long itt1 = its1.mapDevice(DEV, 3);
        its0.mapEvent(DEV, EV, A, 0);
        its1.mapEvent(DEV, EV, B, 0);
        for (int round = 0; round < 2; round++) {
            its0.msi(DEV, EV);
            its1.msi(DEV, EV);
            assertEquals(List.of(A, B), its0.taken(0).stream().sorted().toList());
        }
        assertEquals(1, its0.counter("cache.miss"));
        assertEquals(1, its1.counter("cache.miss"));
        // Behind both ITSes: the events now name LPIs A + 10 and B + 10 on CPU 2.
        its0.store64(itt0 + 8L * EV, iteValue(A + 10, 2));
        its1.store64(itt1 + 8L * EV, iteValue(B + 10, 2));
        its0.msi(DEV, EV);
        its1.msi(DEV, EV);
        assertEquals(List.of(A, B), its0.taken(0).stream().sorted().toList(), "precondition: cached");

        disableLpis(gic, 3); // a redistributor neither translation targets

        its0.msi(DEV, EV);
        its1.msi(DEV, EV);
        assertEquals(List.of(), its0.taken(0));
        assertEquals(List.of(A + 10, B + 10), its0.taken(2).stream().sorted().toList());
        assertEquals(2, its0.counter("cache.miss"));
        assertEquals(2, its1.counter("cache.miss"));
    }

    @Test
    void disabling_lpis_on_the_target_redistributor_drops_msis_until_they_are_enabled_again() {
        start();
        mapEvent(A, 1);
        fillCache(1, A);
        disableLpis(gic, 1);
        droppedAs("lpisDisabled");
        enableLpis(gic, 1); // PTZ was consumed: the (written back, empty) pending table is read
        translatedByTheTables(1, A);
    }

    // ---------------------------------------------------------------------------------------------
    // Restore, cache size, hits

    @Test
    void restored_its_starts_with_an_empty_cache() {
        start();
        mapEvent(A, 0);
        fillCache(0, A);
        editIteBehindTheIts(B, 1);
        staleEntryIsStillUsed(0, A);
        GicSnapshot s = GicSnapshot.fromBytes(gic.snapshot().toBytes());
        GicCore restored = (GicCore) new ItsGicProvider().restore(s, host(gic));
        try {
            ItsDriver r = new ItsDriver(restored, 0);
            assertEquals(0, r.counter("cache.miss"));
            r.msi(DEV, EV);
            assertEquals(only(1, B), takenByCpu(r));
            assertEquals(1, r.counter("cache.miss"));
            r.msi(DEV, EV);
            assertEquals(only(1, B), takenByCpu(r));
            assertEquals(1, r.counter("cache.miss"), "the restored ITS caches again");
        } finally {
            restored.close();
        }
    }

    @Test
    void with_cache_size_zero_every_msi_walks_the_tables() {
        start(ItsOptions.DEFAULTS.withTranslationCacheSize(0));
        assertEquals(0, its.its().cache().capacity());
        mapEvent(A, 0);
        for (int i = 1; i <= 5; i++) {
            assertEquals(only(0, A), msi());
            assertEquals(i, misses());
        }
        editIteBehindTheIts(B, 1); // nothing cached: the next walk sees it at once
        assertEquals(only(1, B), msi());
        assertEquals(6, misses());
        assertEquals(6, its.counter("msi"));
    }

    @ParameterizedTest(name = "PTA = {0}")
    @ValueSource(booleans = {false, true})
    void a_cache_hit_delivers_to_the_same_cpu_and_lpi_as_the_walk(boolean pta) {
        start(ItsOptions.DEFAULTS, ItsDriver.its(0, 16, 16, pta));
        its.mapDevice(DEV, 3);
        its.mapDevice(DEV + 1, 3);
        for (int ev = 0; ev < 8; ev++) {
            its.mapEvent(DEV + ev % 2, ev, A + ev, (ev * 3) % 4);
        }
        long walks = misses();
        for (int round = 0; round < 3; round++) {
            for (int ev = 0; ev < 8; ev++) {
                its.msi(DEV + ev % 2, ev);
                assertEquals(only((ev * 3) % 4, A + ev), takenByCpu(its), "round " + round + " event " + ev);
            }
            assertEquals(walks + 8, misses(), "only the first round walks");
        }
    }
}
