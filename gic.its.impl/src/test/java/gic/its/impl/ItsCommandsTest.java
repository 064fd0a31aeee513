package gic.its.impl;

import static gic.core.TestGic.*;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.IccRegister;
import gic.core.GicCore;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The effect of each of the twelve physical commands (ITS.md 3.5, design "Commands" and "Tables"): the
 * table entries written in guest memory (KVM ABI revision 0), and LPIs delivered, cleared, moved or
 * re-read as the CPU interfaces and redistributors show them; MSI translation and its translation
 * cache with each invalidation point.
 *
 * <p>Four CPUs; after {@link ItsDriver#bringUp} ICID c is mapped to CPU c, and every LPI is enabled at
 * priority 0xA0.
 */
class ItsCommandsTest {

    private static final int DEV = 3;
    private static final int LPI = 8200;

    private GicCore gic;
    private ItsDriver its;

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    private ItsDriver start(ItsOptions options, boolean lenient) {
        gic = machine(4).lenient(lenient).create(new ItsGicProvider(options));
        its = new ItsDriver(gic, 0).bringUp();
        return its;
    }

    private ItsDriver start() {
        return start(ItsOptions.DEFAULTS, false);
    }

    /** Maps device {@link #DEV} (16 events) and its event {@code ev} to {@code pintid} in collection {@code icid}. */
    private void mapOne(int ev, int pintid, int icid) {
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, ev, pintid, icid);
    }

    private static List<Integer> sorted(List<Integer> ids) {
        return ids.stream().sorted().toList();
    }

    // ---------------------------------------------------------------------------------------------
    // MAPD, MAPC

    @Test
    void mapd_writes_a_valid_dte_with_itt_address_and_size() {
        start();
        long itt = its.itt(7);
        its.post(mapd(DEV, 7, itt, true));
        assertEquals(dteValue(itt, 7), its.dte(DEV));
        assertEquals(0, its.dte(DEV - 1));
        assertEquals(0, its.dte(DEV + 1));
        assertEquals(0, its.its().lastError());
    }

    @Test
    void mapd_v0_writes_a_zero_dte_and_msis_are_dropped() {
        start(ItsOptions.DEFAULTS, true);
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 0);
        assertTrue(its.msi(DEV, 0));
        assertEquals(List.of(LPI), its.taken(0));
        its.post(mapd(DEV, 0, 0, false), sync(0));
        assertEquals(0, its.dte(DEV));
        long dropped = its.counter("msi.dropped.device");
        assertTrue(its.msi(DEV, 0), "still a doorbell");
        assertFalse(its.pending(0, LPI));
        assertEquals(dropped + 1, its.counter("msi.dropped.device"));
        assertEquals(0, its.its().lastError());
    }

    @Test
    void mapd_remap_to_a_fresh_itt_forgets_the_old_events() {
        start(ItsOptions.DEFAULTS, true);
        long oldItt = its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 0);
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(0));
        long newItt = its.mapDevice(DEV, 4);
        assertEquals(dteValue(newItt, 4), its.dte(DEV));
        assertEquals(iteValue(LPI, 0), its.load64(oldItt), "the old ITT is left as it was");
        its.msi(DEV, 0);
        assertFalse(its.pending(0, LPI), "MAPD invalidated the cached translation");
        assertEquals(1, its.counter("msi.dropped.event"));
    }

    @Test
    void mapc_writes_a_cte_with_the_processor_number() {
        start();
        its.post(mapc(9, 3, true), sync(3));
        assertEquals(cteValue(3, 9), its.cte(9));
        assertEquals(cteValue(2, 2), its.cte(2), "bring-up's MAPCs");
    }

    @Test
    void mapc_v0_writes_a_zero_cte() {
        start();
        its.post(mapc(2, 0, false));
        assertEquals(0, its.cte(2));
    }

    @Test
    void mapc_remap_retargets_the_collection_s_msis() {
        start();
        mapOne(0, LPI, 1);
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(1));
        its.post(mapc(1, 3, true), sync(3));
        its.msi(DEV, 0);
        assertEquals(List.of(), its.taken(1));
        assertEquals(List.of(LPI), its.taken(3));
    }

    // ---------------------------------------------------------------------------------------------
    // MAPTI, MAPI and translation

    @Test
    void mapti_writes_the_ite_and_the_msi_reaches_the_collection_s_cpu() {
        start();
        mapOne(5, LPI, 2);
        assertEquals(iteValue(LPI, 2), its.ite(DEV, 5));
        assertEquals(0, its.ite(DEV, 4));
        assertEquals(0, its.ite(DEV, 6));
        assertFalse(host(gic).irq(2));
        assertTrue(its.msi(DEV, 5));
        assertTrue(its.pending(2, LPI));
        assertTrue(host(gic).irq(2));
        assertEquals(LPI, gic.cpu(2).read(IccRegister.IAR1));
        gic.cpu(2).write(IccRegister.EOIR1, LPI);
        assertEquals(List.of(), its.taken(0));
        assertEquals(1, its.counter("msi"));
    }

    @Test
    void mapi_uses_the_event_id_as_the_pintid() {
        start();
        its.mapDevice(DEV, 13);
        its.post(mapi(DEV, 8300, 1), sync(1));
        assertEquals(iteValue(8300, 1), its.ite(DEV, 8300));
        its.msi(DEV, 8300);
        assertEquals(List.of(8300), its.taken(1));
    }

    @Test
    void mapti_of_a_mapped_event_overwrites_its_ite() {
        start();
        mapOne(0, LPI, 0);
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(0));
        its.mapEvent(DEV, 0, LPI + 1, 1);
        assertEquals(iteValue(LPI + 1, 1), its.ite(DEV, 0));
        its.msi(DEV, 0);
        assertEquals(List.of(), its.taken(0), "the cached translation was invalidated");
        assertEquals(List.of(LPI + 1), its.taken(1));
    }

    @Test
    void mapti_to_an_unmapped_collection_is_valid_and_routes_once_it_is_mapped() {
        start(ItsOptions.DEFAULTS, true);
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 100);
        assertEquals(0, its.its().lastError());
        assertEquals(iteValue(LPI, 100), its.ite(DEV, 0));
        its.msi(DEV, 0);
        assertEquals(1, its.counter("msi.dropped.collection"));
        its.post(mapc(100, 2, true), sync(2));
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(2));
    }

    @Test
    void two_adjacent_events_keep_their_own_translations() {
        start();
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 1, LPI, 1);
        its.mapEvent(DEV, 2, 0xFFFF, 2);
        assertEquals(iteValue(LPI, 1), its.ite(DEV, 1));
        assertEquals(iteValue(0xFFFF, 2), its.ite(DEV, 2));
        its.msi(DEV, 1);
        its.msi(DEV, 2);
        assertEquals(List.of(LPI), its.taken(1));
        assertEquals(List.of(0xFFFF), its.taken(2));
    }

    @Test
    void sixteen_bit_msi_is_translated_and_other_sizes_are_dropped() {
        start(ItsOptions.DEFAULTS, true);
        mapOne(1, LPI, 0);
        assertTrue(gic.msi(its.config.translaterAddress(), 2, 1, DEV));
        assertEquals(List.of(LPI), its.taken(0));
        for (int size : new int[] {1, 8}) {
            assertTrue(gic.msi(its.config.translaterAddress(), size, 1, DEV));
        }
        assertEquals(List.of(), its.taken(0));
        assertEquals(2, its.counter("msi.dropped.size"));
    }

    @Test
    void msi_while_the_its_is_disabled_is_dropped() {
        start(ItsOptions.DEFAULTS, true);
        mapOne(1, LPI, 0);
        its.disable();
        assertTrue(its.msi(DEV, 1));
        assertFalse(its.pending(0, LPI));
        assertEquals(1, its.counter("msi.dropped.disabled"));
        its.enable();
        its.msi(DEV, 1);
        assertEquals(List.of(LPI), its.taken(0));
    }

    @Test
    void msi_to_an_address_that_is_no_doorbell_is_left_to_the_host() {
        start();
        mapOne(1, LPI, 0);
        assertFalse(gic.msi(its.base, 4, 1, DEV));
        assertFalse(gic.msi(RAM_BASE, 4, 1, DEV));
        assertFalse(its.pending(0, LPI));
    }

    // ---------------------------------------------------------------------------------------------
    // INT, CLEAR, INV, INVALL

    @Test
    void int_makes_the_lpi_pending_at_the_collection_s_redistributor() {
        start();
        mapOne(4, LPI, 3);
        its.post(interrupt(DEV, 4), sync(3));
        assertTrue(its.pending(3, LPI));
        assertEquals(List.of(LPI), its.taken(3));
        assertEquals(1, its.counter("command.INT"));
    }

    @Test
    void int_latches_a_disabled_lpi_which_fires_after_inv() {
        start();
        mapOne(4, LPI, 1);
        lpiConfig(gic, LPI, 0x80, false);
        its.post(inv(DEV, 4), sync(1));
        its.post(interrupt(DEV, 4), sync(1));
        assertTrue(its.pending(1, LPI));
        assertEquals(List.of(), its.taken(1), "disabled in the property table");
        lpiConfig(gic, LPI, 0x80, true);
        its.post(inv(DEV, 4), sync(1));
        assertEquals(List.of(LPI), its.taken(1));
    }

    @Test
    void int_to_a_redistributor_with_lpis_disabled_is_dropped_without_a_command_error() {
        start(ItsOptions.DEFAULTS, true);
        mapOne(4, LPI, 1);
        disableLpis(gic, 1);
        its.post(interrupt(DEV, 4), sync(1));
        assertTrue(its.drained());
        assertEquals(0, its.its().lastError());
        assertFalse(pendingTableBit(gic, 1, LPI));
        enableLpis(gic, 1);
        assertFalse(its.pending(1, LPI));
    }

    @Test
    void clear_removes_the_pending_state() {
        start();
        mapOne(4, LPI, 2);
        its.msi(DEV, 4);
        assertTrue(its.pending(2, LPI));
        its.post(clear(DEV, 4), sync(2));
        assertFalse(its.pending(2, LPI));
        assertFalse(host(gic).irq(2));
        assertEquals(List.of(), its.taken(2));
        assertEquals(1, its.counter("command.CLEAR"));
    }

    @Test
    void inv_rereads_the_configuration_of_that_lpi_only() {
        start();
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 0);
        its.mapEvent(DEV, 1, LPI + 1, 0);
        lpiConfig(gic, LPI, 0x80, false);
        lpiConfig(gic, LPI + 1, 0x80, false);
        its.post(inv(DEV, 0), sync(0));
        its.msi(DEV, 0);
        its.msi(DEV, 1);
        assertEquals(List.of(LPI + 1), its.taken(0), "LPI + 1's cached configuration is still enabled");
        assertTrue(its.pending(0, LPI));
    }

    @Test
    void invall_rereads_every_lpi_configuration_of_the_collection_s_redistributor() {
        start();
        its.mapDevice(DEV, 3);
        for (int e = 0; e < 4; e++) {
            its.mapEvent(DEV, e, LPI + e, 1);
            lpiConfig(gic, LPI + e, 0x80, false);
        }
        its.post(invall(1), sync(1));
        for (int e = 0; e < 4; e++) {
            its.msi(DEV, e);
        }
        assertEquals(List.of(), its.taken(1));
        for (int e = 0; e < 4; e++) {
            lpiConfig(gic, LPI + e, 0x80 - 0x10 * e, true);
        }
        its.post(invall(1), sync(1));
        assertEquals(List.of(LPI + 3, LPI + 2, LPI + 1, LPI), its.taken(1));
    }

    // ---------------------------------------------------------------------------------------------
    // MOVI, MOVALL

    @Test
    void movi_rewrites_the_ite_and_retargets_later_msis() {
        start();
        mapOne(6, LPI, 0);
        its.msi(DEV, 6);
        assertEquals(List.of(LPI), its.taken(0));
        its.post(movi(DEV, 6, 2), sync(2));
        assertEquals(iteValue(LPI, 2), its.ite(DEV, 6));
        its.msi(DEV, 6);
        assertEquals(List.of(), its.taken(0));
        assertEquals(List.of(LPI), its.taken(2));
    }

    @Test
    void movi_moves_the_pending_state_to_the_new_redistributor() {
        start();
        mapOne(6, LPI, 0);
        its.msi(DEV, 6);
        assertTrue(its.pending(0, LPI));
        its.post(movi(DEV, 6, 3), sync(3));
        assertFalse(its.pending(0, LPI));
        assertTrue(its.pending(3, LPI));
        assertEquals(List.of(), its.taken(0));
        assertEquals(List.of(LPI), its.taken(3));
    }

    @Test
    void movall_moves_every_pending_lpi_and_leaves_the_collections_alone() {
        start();
        its.mapDevice(DEV, 3);
        for (int e = 0; e < 3; e++) {
            its.mapEvent(DEV, e, LPI + e, 0);
            its.msi(DEV, e);
        }
        its.post(movall(0, 1), sync(1));
        for (int e = 0; e < 3; e++) {
            assertFalse(its.pending(0, LPI + e));
            assertTrue(its.pending(1, LPI + e));
        }
        assertEquals(cteValue(0, 0), its.cte(0), "the collection still targets CPU 0");
        assertEquals(List.of(LPI, LPI + 1, LPI + 2), sorted(its.taken(1)));
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(0));
    }

    /** ITS.md 7 K13: KVM 6.10 retargeted every LPI of the VM. */
    @Test
    void movall_rd1_to_rd2_leaves_lpis_of_rd3_alone() {
        start();
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 0);
        its.mapEvent(DEV, 1, LPI + 1, 1);
        its.mapEvent(DEV, 2, LPI + 2, 2);
        for (int e = 0; e < 3; e++) {
            its.msi(DEV, e);
        }
        its.post(movall(0, 1), sync(1));
        assertTrue(its.pending(1, LPI));
        assertTrue(its.pending(1, LPI + 1));
        assertTrue(its.pending(2, LPI + 2), "RD 2's LPI stays");
        assertFalse(its.pending(1, LPI + 2));
        assertEquals(List.of(LPI + 2), its.taken(2));
    }

    @Test
    void movall_to_the_same_redistributor_changes_nothing() {
        start();
        mapOne(0, LPI, 1);
        its.msi(DEV, 0);
        its.post(movall(1, 1), sync(1));
        assertTrue(its.pending(1, LPI));
        assertEquals(0, its.its().lastError());
        assertEquals(1, its.counter("command.MOVALL"));
    }

    // ---------------------------------------------------------------------------------------------
    // DISCARD, SYNC

    @Test
    void discard_zeroes_the_ite_clears_the_pending_state_and_drops_later_msis() {
        start(ItsOptions.DEFAULTS, true);
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 2, LPI, 1);
        its.mapEvent(DEV, 3, LPI + 1, 1);
        its.msi(DEV, 2);
        assertTrue(its.pending(1, LPI));
        its.post(discard(DEV, 2), sync(1));
        assertEquals(0, its.ite(DEV, 2));
        assertEquals(iteValue(LPI + 1, 1), its.ite(DEV, 3), "the neighbour stays");
        assertFalse(its.pending(1, LPI));
        its.msi(DEV, 2);
        assertFalse(its.pending(1, LPI), "the cached translation is gone too");
        assertEquals(1, its.counter("msi.dropped.event"));
        its.msi(DEV, 3);
        assertEquals(List.of(LPI + 1), its.taken(1));
    }

    @Test
    void discarded_event_can_be_mapped_again() {
        start();
        mapOne(2, LPI, 1);
        its.post(discard(DEV, 2), sync(1));
        its.mapEvent(DEV, 2, LPI + 5, 3);
        its.msi(DEV, 2);
        assertEquals(List.of(LPI + 5), its.taken(3));
    }

    /** ITS.md 7: Linux hit "ITS queue timeout" when a SYNC named an offline target. */
    @Test
    void sync_completes_for_any_rdbase() {
        start();
        its.post(sync(0), sync(3), sync(4), sync(0xFFFF), sync(0xF_FFFF_FFFFL));
        assertTrue(its.drained());
        assertEquals(0, its.its().errorCount());
        assertEquals(5 + 2 * 4, its.counter("command.SYNC"), "bring-up's 8 SYNCs and these 5");
    }

    // ---------------------------------------------------------------------------------------------
    // Anchors: K12

    /** ITS.md 7 K12: the ITE keeps its ICID; MAPC V=0 then V=1 must route the LPI again. */
    @Test
    void mapc_v0_then_v1_routes_the_collection_s_lpis_again() {
        start(ItsOptions.DEFAULTS, true);
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 1);
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(1));
        its.post(mapc(1, 0, false), sync(1));
        its.msi(DEV, 0);
        its.post(interrupt(DEV, 0));
        assertEquals(0x010310, its.its().lastError(), "INT: ITE_INVALID");
        for (int c = 0; c < 4; c++) {
            assertFalse(its.pending(c, LPI));
        }
        assertEquals(iteValue(LPI, 1), its.ite(DEV, 0));
        its.post(mapc(1, 2, true), sync(2));
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(2));
        its.post(interrupt(DEV, 0), sync(2));
        assertEquals(List.of(LPI), its.taken(2));
    }

    // ---------------------------------------------------------------------------------------------
    // Counters and the translation cache

    @Test
    void each_command_is_counted_by_name() {
        start();
        long total = its.counter("command");
        its.mapDevice(DEV, 13);
        its.post(mapti(DEV, 0, LPI, 0), mapi(DEV, 8199, 1), interrupt(DEV, 0), clear(DEV, 0), inv(DEV, 0),
            invall(0), movi(DEV, 0, 1), movall(2, 3), discard(DEV, 0), mapc(5, 1, true), sync(0));
        for (String name : new String[] {"MAPD", "MAPTI", "MAPI", "INT", "CLEAR", "INV", "MOVI", "MOVALL",
            "DISCARD"}) {
            assertEquals(1, its.counter("command." + name), name);
        }
        assertEquals(4 + 1, its.counter("command.INVALL"), "bring-up's 4 and this one");
        assertEquals(4 + 1, its.counter("command.MAPC"));
        assertEquals(8 + 1, its.counter("command.SYNC"));
        assertEquals(total + 12, its.counter("command"));
        assertEquals(0, its.its().errorCount());
    }

    @ParameterizedTest(name = "cache size {0}")
    @ValueSource(ints = {0, 1, 4096})
    void translations_are_right_whatever_the_cache_size(int cacheSize) {
        start(ItsOptions.DEFAULTS.withTranslationCacheSize(cacheSize), false);
        its.mapDevice(DEV, 4);
        its.mapDevice(DEV + 1, 4);
        for (int e = 0; e < 32; e++) {
            its.mapEvent(DEV, e, LPI + e, e % 4);
            its.mapEvent(DEV + 1, e, LPI + 32 + e, (e + 1) % 4);
        }
        for (int round = 0; round < 3; round++) {
            for (int e = 0; e < 32; e++) {
                its.msi(DEV, e);
                its.msi(DEV + 1, e);
            }
            for (int c = 0; c < 4; c++) {
                List<Integer> got = its.taken(c);
                assertEquals(16, got.size(), "CPU " + c + ", round " + round);
                for (int id : got) {
                    int e = id - LPI;
                    assertEquals(c, e < 32 ? e % 4 : (e - 32 + 1) % 4, "LPI " + id + " on CPU " + c);
                }
            }
        }
        assertEquals(6 * 32, its.counter("msi"));
    }

    @Test
    void disabling_the_its_invalidates_the_translation_cache() {
        start();
        mapOne(0, LPI, 0);
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(0));
        its.disable();
        long iteAddress = ittOf(its.dte(DEV));
        its.store64(iteAddress, iteValue(LPI + 9, 1));
        its.enable();
        its.msi(DEV, 0);
        assertEquals(List.of(LPI + 9), its.taken(1), "the ITE is read again after Enabled 1 -> 0");
    }

    @Test
    void disabling_lpis_on_a_redistributor_invalidates_the_translation_cache() {
        start();
        mapOne(0, LPI, 0);
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(0));
        disableLpis(gic, 2);
        enableLpis(gic, 2);
        its.store64(ittOf(its.dte(DEV)), iteValue(LPI + 9, 1));
        its.msi(DEV, 0);
        assertEquals(List.of(LPI + 9), its.taken(1), "EnableLPIs 1 -> 0 on any RD empties every ITS's cache");
    }

    @Test
    void second_msi_of_a_translation_hits_the_cache() {
        start();
        mapOne(0, LPI, 0);
        its.msi(DEV, 0);
        long misses = its.counter("cache.miss");
        its.msi(DEV, 0);
        assertEquals(misses, its.counter("cache.miss"));
        assertEquals(List.of(LPI), its.taken(0), "the two raises coalesce");
    }
}
