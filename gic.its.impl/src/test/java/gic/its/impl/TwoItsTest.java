package gic.its.impl;

import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.core.GicCore;
import gic.core.Regs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two ITSes in one GIC (design "Public surface": one 128 KiB region, lock, queue, tables and translation
 * cache per ITS; MSIs routed by doorbell address), both feeding the same four redistributors. ITS 0 has
 * PTA = 0 (RDbase = processor number), ITS 1 PTA = 1 (RDbase = RD_base PA[51:16]); each has its own
 * queue and tables in its own window of guest RAM ({@link ItsDriver}).
 */
class TwoItsTest {

    private static final int DEV = 0x42;

    private GicCore gic;
    private ItsDriver its0;
    private ItsDriver its1;

    @BeforeEach
    void start() {
        gic = machine(4, its(0), ItsDriver.its(1, 16, 16, true)).create(new ItsGicProvider());
        its0 = new ItsDriver(gic, 0).bringUp();
        its1 = new ItsDriver(gic, 1).bringUp();
    }

    @AfterEach
    void closeGic() {
        gic.close();
    }

    private List<List<Integer>> taken() {
        return List.of(its0.taken(0), its0.taken(1), its0.taken(2), its0.taken(3));
    }

    private static List<List<Integer>> at(int cpu, List<Integer> intids) {
        List<List<Integer>> out = new ArrayList<>(List.of(List.of(), List.of(), List.of(), List.of()));
        out.set(cpu, intids);
        return out;
    }

    @Test
    void each_its_has_its_own_registers_and_typer() {
        assertNotEquals(its0.base, its1.base);
        assertEquals("ITS0", gic.regionAt(its0.base).name());
        assertEquals("ITS1", gic.regionAt(its1.base).name());
        assertEquals(0, its0.read64(GITS_TYPER) >>> 19 & 1, "ITS0: PTA = 0");
        assertEquals(1, its1.read64(GITS_TYPER) >>> 19 & 1, "ITS1: PTA = 1");
        assertNotEquals(its0.read64(GITS_CBASER), its1.read64(GITS_CBASER));
        assertNotEquals(its0.read64(GITS_BASER), its1.read64(GITS_BASER));
        // ITS 1 named its redistributors by address; the CTE holds the processor number either way
        assertEquals(Regs.rdBase(gic, 2) >>> 16, its1.rd(2));
        assertEquals(cteValue(2, 2), its1.cte(2));
        assertEquals(cteValue(2, 2), its0.cte(2));
    }

    @Test
    void the_same_device_id_on_both_itses_maps_to_different_lpis() {
        its0.mapDevice(DEV, 3);
        its1.mapDevice(DEV, 3);
        its0.mapEvent(DEV, 0, 8200, 1);
        its1.mapEvent(DEV, 0, 8300, 1);
        its1.mapEvent(DEV, 1, 8301, 3);

        its0.msi(DEV, 0);
        assertEquals(at(1, List.of(8200)), taken());
        its1.msi(DEV, 0);
        assertEquals(at(1, List.of(8300)), taken());
        its1.msi(DEV, 1);
        assertEquals(at(3, List.of(8301)), taken());
        its0.msi(DEV, 1); // event 1 is mapped on ITS 1 only
        assertEquals(at(0, List.of()), taken());
        assertEquals(1, its0.counter("msi.dropped.event"));
        assertEquals(0, its1.counter("msi.dropped"));
        assertEquals(2, its0.counter("msi"));
        assertEquals(2, its1.counter("msi"));
    }

    @Test
    void both_itses_feed_the_same_redistributor() {
        its0.mapDevice(DEV, 3);
        its1.mapDevice(DEV, 3);
        its0.mapEvent(DEV, 0, 8200, 2);
        its1.mapEvent(DEV, 0, 8201, 2);
        its0.msi(DEV, 0);
        its1.msi(DEV, 0);
        List<List<Integer>> t = taken();
        assertEquals(List.of(8200, 8201), t.get(2).stream().sorted().toList());
        assertEquals(List.of(List.of(), List.of(), List.of()), List.of(t.get(0), t.get(1), t.get(3)));
    }

    @Test
    void commands_on_one_its_leave_the_other_alone() {
        its0.mapDevice(DEV, 3);
        its1.mapDevice(DEV, 3);
        its0.mapEvent(DEV, 0, 8200, 0);
        its1.mapEvent(DEV, 0, 8300, 0);
        long creadr1 = its1.creadr();

        its0.post(discard(DEV, 0), mapd(DEV, 0, 0, false), mapc(0, its0.rd(3), true), sync(its0.rd(3)));

        assertEquals(creadr1, its1.creadr(), "ITS 1's queue did not move");
        assertTrue(its0.drained());
        assertEquals(cteValue(0, 0), its1.cte(0), "ITS 1's collection 0 still on CPU 0");
        assertEquals(cteValue(3, 0), its0.cte(0));
        its1.msi(DEV, 0);
        assertEquals(at(0, List.of(8300)), taken());
        its0.msi(DEV, 0);
        assertEquals(at(0, List.of()), taken());
        assertEquals(1, its0.counter("msi.dropped.device"));
    }

    @Test
    void each_its_has_its_own_translation_cache() {
        its0.mapDevice(DEV, 3);
        its1.mapDevice(DEV, 3);
        its0.mapEvent(DEV, 0, 8200, 0);
        its1.mapEvent(DEV, 0, 8300, 1);
        for (int i = 0; i < 3; i++) {
            its0.msi(DEV, 0);
        }
        assertEquals(1, its0.counter("cache.miss"));
        assertEquals(0, its1.counter("cache.miss"), "ITS 0's walks fill only ITS 0's cache");
        its1.msi(DEV, 0);
        its1.msi(DEV, 0);
        assertEquals(1, its1.counter("cache.miss"));
        // A command on ITS 0 that empties its whole cache leaves ITS 1's entries alone.
        its0.post(mapc(9, its0.rd(0), true), sync(its0.rd(0)));
        its1.msi(DEV, 0);
        its0.msi(DEV, 0);
        assertEquals(1, its1.counter("cache.miss"));
        assertEquals(2, its0.counter("cache.miss"));
        taken();
    }

    @Test
    void disabling_one_its_does_not_affect_the_other() {
        its0.mapDevice(DEV, 3);
        its1.mapDevice(DEV, 3);
        its0.mapEvent(DEV, 0, 8200, 0);
        its1.mapEvent(DEV, 0, 8300, 0);
        its1.msi(DEV, 0);
        assertEquals(at(0, List.of(8300)), taken());

        its0.disable();

        its0.msi(DEV, 0);
        its1.msi(DEV, 0);
        assertEquals(at(0, List.of(8300)), taken());
        assertEquals(1, its0.counter("msi.dropped.disabled"));
        assertEquals(1, its1.counter("cache.miss"), "ITS 1's cached translation survives");
        // ITS 1 keeps executing commands
        its1.post(movi(DEV, 0, 2), sync(its1.rd(2)));
        assertTrue(its1.drained());
        its1.msi(DEV, 0);
        assertEquals(at(2, List.of(8300)), taken());
        // ITS 0 comes back with its mapping
        its0.enable();
        its0.msi(DEV, 0);
        assertEquals(at(0, List.of(8200)), taken());
        assertEquals(0, its0.its().errorCount() + its1.its().errorCount());
    }

    @Test
    void pta_its_rejects_a_processor_number_where_an_address_belongs() {
        GicCore lenient = machine(4, its(0), ItsDriver.its(1, 16, 16, true)).lenient().create(new ItsGicProvider());
        try {
            ItsDriver a = new ItsDriver(lenient, 0).bringUp();
            ItsDriver b = new ItsDriver(lenient, 1).bringUp();
            a.post(mapc(5, 1, true));    // PTA = 0: processor 1
            b.post(mapc(5, 1, true));    // PTA = 1: PA 0x10000 is no redistributor
            assertEquals(0, a.its().errorCount());
            assertEquals(1, b.errors(0x010902));
            assertEquals(cteValue(1, 5), a.cte(5));
            assertEquals(0, b.cte(5));
        } finally {
            lenient.close();
        }
    }

    @Test
    void diagnostics_lists_both_itses() {
        its0.mapDevice(DEV, 3);
        its1.mapDevice(DEV + 1, 3);
        its0.mapEvent(DEV, 0, 8200, 0);
        its1.mapEvent(DEV + 1, 2, 8300, 1);
        String d = gic.diagnostics();
        int at0 = d.indexOf("ITS0 at 0x" + Long.toHexString(its0.base));
        int at1 = d.indexOf("ITS1 at 0x" + Long.toHexString(its1.base));
        assertTrue(at0 >= 0 && at1 > at0, d);
        String part0 = d.substring(at0, at1);
        String part1 = d.substring(at1);
        assertTrue(part0.contains("PTA 0") && part1.contains("PTA 1"), d);
        assertTrue(part0.contains("device 0x42") && !part0.contains("device 0x43"), d);
        assertTrue(part1.contains("device 0x43") && !part1.contains("device 0x42"), d);
        assertTrue(part0.contains("LPI 8200") && part1.contains("LPI 8300"), d);
    }
}
