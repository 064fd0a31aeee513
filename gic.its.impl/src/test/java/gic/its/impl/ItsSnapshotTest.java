package gic.its.impl;

import static gic.core.TestGic.LPI_BASE;
import static gic.core.TestGic.PROP;
import static gic.core.TestGic.host;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicSnapshot;
import gic.core.GicCore;
import gic.core.TestHost;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Snapshot and restore of ITS-backed GICs (design "Tables": restore sets registers only, table contents
 * are validated at use; ITS.md 7 K6, K7). A snapshot goes through {@link GicSnapshot#toBytes} /
 * {@link GicSnapshot#fromBytes} and is restored into a fresh {@link ItsGicProvider} GIC on the same host
 * (the same guest memory, where the tables are), either directly or by way of a core-only GIC
 * ({@link GicCore#restore(GicSnapshot, gic.api.GicHost)}, no ITS) that carries the ITS states and is
 * snapshotted again: the round trip through another LPI back end that this module can make.
 */
class ItsSnapshotTest {

    /** How a snapshot gets into the new ITS GIC. */
    enum Path {
        DIRECT,
        THROUGH_CORE_WITHOUT_ITS
    }

    private static final int DEV = 3;
    private static final int A = 8200;
    private static final int B = 8201;
    private static final int C = 8202;

    private final List<GicCore> gics = new ArrayList<>();
    private GicCore gic;
    /** The driver of the GIC in use; after a restore it is rebound ({@link #restore}). */
    private ItsDriver its;
    /** The driver that allocates guest memory (the first one: its bump pointer is the only one). */
    private ItsDriver allocator;

    @AfterEach
    void closeGics() {
        gics.forEach(GicCore::close);
    }

    private void start(ItsOptions options, boolean lenient) {
        gic = machine(4).lenient(lenient).create(new ItsGicProvider(options));
        gics.add(gic);
        its = new ItsDriver(gic, 0).bringUp();
        allocator = its;
    }

    private void start() {
        start(ItsOptions.DEFAULTS, false);
    }

    /**
     * Snapshots the GIC in use (bytes and back), closes it and restores the snapshot along {@code path}
     * into a fresh ITS GIC with {@code options} on the same host; the new GIC and a driver rebound to it
     * (same queue and tables) become the ones in use. Returns the snapshot.
     */
    private GicSnapshot restore(Path path, ItsOptions options) {
        GicSnapshot s = GicSnapshot.fromBytes(gic.snapshot().toBytes());
        TestHost host = host(gic);
        gic.close();
        GicSnapshot into = s;
        if (path == Path.THROUGH_CORE_WITHOUT_ITS) {
            GicCore core = GicCore.restore(s, host);
            gics.add(core);
            assertNull(core.regionAt(its.base), "a core-only GIC has no ITS frames");
            assertFalse(core.msi(its.config.translaterAddress(), 4, 0, DEV), "nor a doorbell");
            into = GicSnapshot.fromBytes(core.snapshot().toBytes());
            assertEquals(s.itses(), into.itses(), "the core-only GIC carries the ITS states unchanged");
            core.close();
        }
        gic = (GicCore) new ItsGicProvider(options).restore(into, host);
        gics.add(gic);
        its = rebind(its, gic);
        assertEquals(s.itses(), gic.snapshot().itses(), "restored ITS registers");
        return s;
    }

    private GicSnapshot restore(Path path) {
        return restore(path, ItsOptions.DEFAULTS);
    }

    /** A driver of {@code g}'s ITS with {@code d}'s queue and tables (never allocate through it). */
    private static ItsDriver rebind(ItsDriver d, GicCore g) {
        ItsDriver n = new ItsDriver(g, d.index);
        n.devices = d.devices;
        n.collections = d.collections;
        n.queue = d.queue;
        n.queueBytes = d.queueBytes;
        return n;
    }

    private List<List<Integer>> taken() {
        List<List<Integer>> out = new ArrayList<>();
        for (int cpu = 0; cpu < 4; cpu++) {
            out.add(its.taken(cpu));
        }
        return out;
    }

    private static List<List<Integer>> only(int cpu, int intid) {
        List<List<Integer>> out = new ArrayList<>(List.of(List.of(), List.of(), List.of(), List.of()));
        out.set(cpu, List.of(intid));
        return out;
    }

    private static final List<List<Integer>> NOTHING = List.of(List.of(), List.of(), List.of(), List.of());

    private void setLpiEnabled(int lpi, boolean enabled) {
        its.mem.setByte(PROP + lpi - LPI_BASE, LPI_PRIORITY | 0b10 | (enabled ? 1 : 0));
    }

    // ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Path.class)
    void mappings_survive_a_snapshot_and_restore_into_a_fresh_its_gic(Path path) {
        start();
        allocator.mapDevice(DEV, 3);
        allocator.mapDevice(DEV + 1, 0);
        its.mapEvent(DEV, 0, A, 1);
        its.mapEvent(DEV, 5, B, 3);
        its.mapEvent(DEV + 1, 1, C, 2);
        its.msi(DEV, 0);
        assertEquals(only(1, A), taken());

        restore(path);

        its.msi(DEV, 0);
        assertEquals(only(1, A), taken());
        its.msi(DEV, 5);
        assertEquals(only(3, B), taken());
        its.msi(DEV + 1, 1);
        assertEquals(only(2, C), taken());
        its.msi(DEV + 1, 0);
        assertEquals(NOTHING, taken());
        // the restored queue continues where the old one stopped
        its.post(movi(DEV, 0, 0), sync(its.rd(0)));
        assertTrue(its.drained());
        its.msi(DEV, 0);
        assertEquals(only(0, A), taken());
        assertEquals(0, its.its().errorCount());
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void two_level_tables_with_4k_pages_survive(Path path) {
        gic = machine(4).create(new ItsGicProvider());
        gics.add(gic);
        its = new ItsDriver(gic, 0);
        allocator = its;
        ItsDriver.bringUpCpus(gic);
        Table devices = its.deviceTable(PAGE_4K, 1, true);
        Table collections = its.collectionTable(PAGE_4K, 1, true);
        its.l2Page(devices, 0x1234 / devices.perPage());
        its.l2Page(collections, 600 / collections.perPage());
        its.commandQueue(1);
        its.enable();
        its.post(mapc(600, its.rd(2), true), sync(its.rd(2)));
        its.mapDevice(0x1234, 1);
        its.mapEvent(0x1234, 3, A, 600);
        long baser0 = its.read64(GITS_BASER);
        long baser1 = its.read64(GITS_BASER + 8);

        restore(path);

        assertEquals(baser0, its.read64(GITS_BASER));
        assertEquals(baser1, its.read64(GITS_BASER + 8));
        its.msi(0x1234, 3);
        assertEquals(only(2, A), taken());
        assertEquals(0, its.its().errorCount());
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void pending_lpis_survive_and_a_masked_one_fires_once_unmasked(Path path) {
        start();
        allocator.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, A, 1);
        its.mapEvent(DEV, 1, B, 3);
        its.mapEvent(DEV, 2, C, 0);
        setLpiEnabled(B, false);
        its.post(inv(DEV, 1), sync(its.rd(3)));
        // pending without being taken: an MSI to CPU 1 and a masked LPI on CPU 3, an INT to CPU 0
        its.msi(DEV, 0);
        its.msi(DEV, 1);
        its.post(interrupt(DEV, 2), sync(its.rd(0)));
        assertTrue(its.pending(1, A) && its.pending(3, B) && its.pending(0, C));

        restore(path);

        assertTrue(its.pending(1, A) && its.pending(3, B) && its.pending(0, C), "pending state restored");
        List<List<Integer>> t = taken();
        assertEquals(List.of(List.of(C), List.of(A), List.of(), List.of()), t);
        assertTrue(its.pending(3, B), "still masked");
        setLpiEnabled(B, true);
        its.post(inv(DEV, 1), sync(its.rd(3)));
        assertEquals(only(3, B), taken());
        assertEquals(NOTHING, taken());
    }

    /**
     * ITS.md 7 K6: devices and events mapped and unmapped between repeated snapshots (each restored GIC
     * is the next one's origin, alternating the two paths). Unmapping follows Linux (DISCARD every event,
     * then MAPD V = 0) and a device comes back on its old ITT, so an ITE or DTE that was not cleared in
     * guest memory would come back to life. After each restore the translation of every (DeviceID,
     * EventID) equals the live one before the snapshot, and the table memory holds zero entries for what
     * is unmapped.
     */
    @Test
    void repeated_map_and_unmap_between_snapshots_leaves_no_stale_entries() {
        start();
        Random rnd = new Random(0x6B6);
        int devices = 6;
        int events = 4;
        Map<Integer, Long> itts = new HashMap<>();
        for (int d = 1; d <= devices; d++) {
            itts.put(d, allocator.itt(1)); // 4 events each, reused on every remap
        }
        TreeMap<Integer, int[]> model = new TreeMap<>(); // d * 16 + e → {lpi, cpu}
        boolean[] mapped = new boolean[devices + 1];
        for (int round = 0; round < 8; round++) {
            for (int d = 1; d <= devices; d++) {
                int action = rnd.nextInt(4);
                if (!mapped[d]) {
                    if (action != 0) {
                        its.post(mapd(d, 1, itts.get(d), true));
                        mapped[d] = true;
                    }
                } else if (action == 0) {
                    for (int e = 0; e < events; e++) {
                        if (model.remove(d * 16 + e) != null) {
                            its.post(discard(d, e), sync(its.rd(0)));
                        }
                    }
                    its.post(mapd(d, 1, 0, false));
                    mapped[d] = false;
                    continue;
                }
                if (!mapped[d]) {
                    continue;
                }
                for (int e = 0; e < events; e++) {
                    int key = d * 16 + e;
                    switch (rnd.nextInt(4)) {
                        case 0 -> {
                            if (model.remove(key) != null) {
                                its.post(discard(d, e), sync(its.rd(0)));
                            }
                        }
                        case 1 -> {
                            int lpi = LPI_BASE + rnd.nextInt(256);
                            int cpu = rnd.nextInt(4);
                            its.mapEvent(d, e, lpi, cpu); // maps, or remaps a mapped event
                            model.put(key, new int[] {lpi, cpu});
                        }
                        case 2 -> {
                            int[] m = model.get(key);
                            if (m != null) {
                                m[1] = rnd.nextInt(4);
                                its.post(movi(d, e, m[1]), sync(its.rd(m[1])));
                            }
                        }
                        default -> {
                        }
                    }
                }
            }
            assertTranslations(model, devices, events, "live, round " + round);
            List<String> liveTables = tableLines(gic.diagnostics());
            restore(round % 2 == 0 ? Path.DIRECT : Path.THROUGH_CORE_WITHOUT_ITS);
            assertEquals(liveTables, tableLines(gic.diagnostics()), "round " + round);
            assertTranslations(model, devices, events, "restored, round " + round);
            for (int d = 1; d <= devices; d++) {
                if (!mapped[d]) {
                    assertEquals(0, its.dte(d), "MAPD V=0 left a zero DTE, round " + round);
                }
                for (int e = 0; e < events; e++) {
                    if (!model.containsKey(d * 16 + e)) {
                        assertEquals(0, its.load64(itts.get(d) + 8L * e), "no stale ITE, round " + round);
                    }
                }
            }
        }
        assertEquals(0, its.its().errorCount());
    }

    private void assertTranslations(Map<Integer, int[]> model, int devices, int events, String when) {
        for (int d = 1; d <= devices; d++) {
            for (int e = 0; e < events; e++) {
                int[] m = model.get(d * 16 + e);
                its.msi(d, e);
                assertEquals(m == null ? NOTHING : only(m[1], m[0]), taken(), when + ": device " + d + " event " + e);
            }
        }
    }

    /** The collection, device and event lines of a diagnostics text. */
    private static List<String> tableLines(String diagnostics) {
        List<String> out = new ArrayList<>();
        for (String line : diagnostics.split("\n")) {
            if (line.startsWith("  collection ") || line.startsWith("  device ") || line.startsWith("    event ")) {
                out.add(line);
            }
        }
        return out;
    }

    /**
     * ITS.md 7 K7: a DTE whose Size is at or beyond the advertised EventID width, written into guest memory
     * before the restore, counts as unmapped: MSIs are dropped, commands see an unmapped device, nothing
     * scans an oversized ITT, and a proper MAPD repairs it.
     */
    @ParameterizedTest
    @EnumSource(Path.class)
    void crafted_dte_with_too_many_event_id_bits_counts_as_unmapped(Path path) {
        start(ItsOptions.DEFAULTS, true);
        long itt7 = allocator.mapDevice(7, 3);
        long itt8 = allocator.mapDevice(8, 3);
        its.mapEvent(7, 0, A, 1);
        its.mapEvent(8, 0, B, 2);
        its.msi(7, 0);
        its.msi(8, 0);
        assertEquals(List.of(List.of(), List.of(A), List.of(B), List.of()), taken());
        its.store64(its.entryAddress(its.devices, 7), dteValue(itt7, 16)); // 17 EventID bits; the ITS has 16
        its.store64(its.entryAddress(its.devices, 8), dteValue(itt8, 31)); // 32 bits

        restore(path);

        its.msi(7, 0);
        its.msi(8, 0);
        assertEquals(NOTHING, taken());
        assertEquals(2, its.counter("msi.dropped.device"));
        String diagnostics = gic.diagnostics();
        assertTrue(diagnostics.contains("device 0x7: invalid entry"), diagnostics);
        assertTrue(diagnostics.contains("device 0x8: invalid entry"), diagnostics);
        its.post(interrupt(7, 0), mapti(8, 1, C, 0));
        assertEquals(1, its.errors(0x010304), "INT: UNMAPPED_DEVICE");
        assertEquals(1, its.errors(0x010A04), "MAPTI: UNMAPPED_DEVICE");
        its.post(mapd(7, 3, itt7, true));
        its.msi(7, 0);
        assertEquals(only(1, A), taken(), "a proper MAPD on the old ITT makes the device usable again");
        assertEquals(2, its.its().errorCount());
    }

    /** As K7 for the other entries (design "Tables"): a CTE naming no redistributor, an ITE naming no LPI. */
    @ParameterizedTest
    @EnumSource(Path.class)
    void crafted_cte_and_ites_out_of_range_count_as_unmapped(Path path) {
        start();
        long itt = allocator.mapDevice(DEV, 3);
        its.post(mapc(9, its.rd(3), true), sync(its.rd(3)));
        its.mapEvent(DEV, 0, A, 9);
        its.mapEvent(DEV, 1, B, 1);
        its.mapEvent(DEV, 2, C, 2);
        its.store64(its.entryAddress(its.collections, 9), cteValue(4, 9)); // processor 4 of 0..3
        its.store64(itt + 8, iteValue(1 << 16, 1));                         // INTID bits are 16
        its.store64(itt + 16, iteValue(1023, 2));                            // not an LPI

        restore(path);

        for (int ev = 0; ev < 3; ev++) {
            its.msi(DEV, ev);
        }
        assertEquals(NOTHING, taken());
        assertEquals(1, its.counter("msi.dropped.collection"));
        assertEquals(2, its.counter("msi.dropped.event"));
        its.post(mapc(9, its.rd(3), true), sync(its.rd(3)), mapti(DEV, 1, B, 1), sync(its.rd(1)));
        its.msi(DEV, 0);
        its.msi(DEV, 1);
        assertEquals(List.of(List.of(), List.of(B), List.of(), List.of(A)), taken(), "commands repair them");
        assertEquals(0, its.its().errorCount());
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void stalled_queue_with_its_offsets_survives_and_retry_resumes(Path path) {
        ItsOptions stall = ItsOptions.DEFAULTS.withErrorPolicy(ErrorPolicy.STALL);
        start(stall, true);
        allocator.mapDevice(DEV, 3);
        long itt9 = allocator.itt(0);
        its.post(mapti(9, 0, B, 2), mapti(DEV, 0, A, 1), sync(its.rd(1))); // device 9 is not mapped
        assertTrue(its.stalled());
        long creadr = its.creadr();
        long cwriter = its.cwriter();
        assertEquals(1, creadr & STALLED);
        assertEquals((creadr & OFFSET_MASK) + 96, cwriter);
        assertEquals(0, its.ite(DEV, 0), "nothing behind the failed command ran");

        restore(path, stall);

        assertEquals(creadr, its.creadr(), "CREADR with Stalled");
        assertEquals(cwriter, its.cwriter());
        assertTrue(its.its().stalled());
        assertEquals(0, its.ite(DEV, 0), "the restore ran nothing");
        its.write32(GITS_CWRITER, cwriter); // no Retry: still stalled
        assertTrue(its.stalled());
        its.place(creadr & OFFSET_MASK, mapd(9, 0, itt9, true)); // fix the failed slot, then Retry
        its.retry();
        assertFalse(its.stalled());
        assertTrue(its.drained());
        its.msi(DEV, 0);
        assertEquals(only(1, A), taken());
        its.msi(9, 0);
        assertEquals(NOTHING, taken());
        assertEquals(1, its.counter("msi.dropped.event"));
    }

    /**
     * One access does a bounded amount of work (Its.WORK_PER_ACCESS); what it leaves in the queue is
     * worked off as the guest polls GITS_CREADR. A snapshot taken in the middle of that (Linux's
     * its_wait_for_range_completion loop) must not strand the rest: the restored ITS is enabled, with
     * CREADR != CWRITER and not Stalled, so it must go on processing (ITS.md 2: processing happens while
     * Enabled, CBASER.Valid and not Stalled), and the guest's polls are the accesses it has.
     */
    @ParameterizedTest
    @EnumSource(Path.class)
    void a_backlog_left_by_the_work_bound_is_worked_off_by_polls_after_restore(Path path) {
        start();
        long[][] invalls = new long[300][];
        for (int i = 0; i < invalls.length; i++) {
            invalls[i] = invall(i % 4); // each reads a whole LPI property table: ~64 fit in one access
        }
        long end = ((its.cwriter() & OFFSET_MASK) + 32L * invalls.length) % its.queueBytes;
        its.post(invalls); // ends with the CWRITER write: no register read after it before the snapshot
        GicSnapshot s = gic.snapshot();
        long savedCreadr = s.itses().get(0).creadr();
        assertTrue(savedCreadr != end && savedCreadr != 0, "precondition: the snapshot holds a backlog");

        restore(path);

        int reads = 0;
        while ((its.creadr() & OFFSET_MASK) != end && reads < 100) {
            reads++; // Linux polls GITS_CREADR (for up to 1 s)
        }
        assertEquals(end, its.creadr() & OFFSET_MASK, "the restored ITS never worked off the " + (end - savedCreadr)
            / 32 + " queued commands; CREADR stays at 0x" + Long.toHexString(savedCreadr) + " after " + reads
            + " polls");
        assertEquals((end - savedCreadr) / 32, its.counter("command.INVALL"));
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void commands_queued_while_disabled_survive_and_run_once_the_restored_its_is_enabled(Path path) {
        start();
        allocator.mapDevice(DEV, 3);
        its.disable();
        its.post(mapti(DEV, 4, A, 2), sync(its.rd(2)));
        long creadr = its.creadr();
        long cwriter = its.cwriter();
        assertEquals(creadr + 64, cwriter, "queued, not run");

        restore(path);

        assertEquals(creadr, its.creadr());
        assertEquals(cwriter, its.cwriter());
        assertEquals(0, its.ite(DEV, 4));
        its.msi(DEV, 4);
        assertEquals(NOTHING, taken());
        assertEquals(1, its.counter("msi.dropped.disabled"));
        its.enable();
        assertTrue(its.drained());
        its.msi(DEV, 4);
        assertEquals(only(2, A), taken());
    }
}
