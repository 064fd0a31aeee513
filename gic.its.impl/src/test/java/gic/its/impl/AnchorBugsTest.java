package gic.its.impl;

import static gic.core.TestGic.disableLpis;
import static gic.core.TestGic.drainGroup1;
import static gic.core.TestGic.enableLpis;
import static gic.core.TestGic.host;
import static gic.core.TestGic.pendingTableBit;
import static gic.core.TestGic.programLpiTablesWithoutPtz;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicSnapshot;
import gic.api.IccRegister;
import gic.core.GicCore;
import gic.core.TestHost;
import gic.core.TestThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Known bugs of the anchor implementations (ITS.md 7: QEMU Q1..Q12, KVM K1..K13, the guest-side issues and
 * the generic tests) that no other test of this module pins, each as a regression test named for the
 * behaviour, with the anchor id in its display name. README "Anchor bugs" maps every anchor to its test.
 *
 * <p>Where a snapshot is involved it goes through {@link GicSnapshot#toBytes}/{@link GicSnapshot#fromBytes}
 * into a fresh ITS GIC on the same guest memory, either directly or by way of a core-only GIC that carries
 * the ITS states (the other LPI back end this module can build; gic.host's stress swaps through the
 * DirectLPI provider itself).
 */
class AnchorBugsTest {

    /** How a snapshot gets into the new ITS GIC. */
    enum Path {
        DIRECT,
        THROUGH_CORE_WITHOUT_ITS
    }

    private static final int DEV = 3;
    private static final int LPI = 8300;

    private final List<GicCore> gics = new ArrayList<>();
    private final TestThreads workers = new TestThreads();
    private GicCore gic;
    private ItsDriver its;

    @AfterEach
    void tearDown() throws InterruptedException {
        workers.stopAll();
        gics.forEach(GicCore::close);
    }

    private void start(int cpus, boolean lenient) {
        gic = machine(cpus).lenient(lenient).create(new ItsGicProvider());
        gics.add(gic);
        its = new ItsDriver(gic, 0).bringUp();
    }

    /**
     * Snapshot (bytes and back), close, restore along {@code path} into a fresh ITS GIC on the same host;
     * the driver is rebound to the new GIC (same queue and tables).
     */
    private void restore(Path path) {
        GicSnapshot s = GicSnapshot.fromBytes(gic.snapshot().toBytes());
        TestHost host = host(gic);
        gic.close();
        GicSnapshot into = s;
        if (path == Path.THROUGH_CORE_WITHOUT_ITS) {
            GicCore core = GicCore.restore(s, host);
            gics.add(core);
            into = GicSnapshot.fromBytes(core.snapshot().toBytes());
            core.close();
        }
        gic = (GicCore) new ItsGicProvider().restore(into, host);
        gics.add(gic);
        ItsDriver n = new ItsDriver(gic, 0);
        n.devices = its.devices;
        n.collections = its.collections;
        n.queue = its.queue;
        n.queueBytes = its.queueBytes;
        its = n;
    }

    private boolean pendingAnywhere(int intid) {
        for (int c = 0; c < gic.config().cpuCount(); c++) {
            if (its.pending(c, intid)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------
    // QEMU

    /**
     * ITS.md 7 Q1: QEMU wrote an ITE's high word at +4 instead of +8, over its own low word, on every
     * MAPTI and MOVI. Four adjacent events with different LPIs and collections, two of them moved: each
     * ITE in guest memory is exactly its own, each event reaches its own CPU, before and after a restore.
     */
    @ParameterizedTest
    @EnumSource(Path.class)
    @DisplayName("Q1: adjacent ITEs stay apart through MAPTI, MOVI and a restore")
    void adjacent_events_keep_their_own_ites_through_mapti_movi_and_a_restore(Path path) {
        start(4, false);
        its.mapDevice(DEV, 3);
        int[] lpi = {8200, 8201, 9000, 0xFFFF};
        int[] icid = {0, 1, 2, 3};
        for (int e = 0; e < 4; e++) {
            its.mapEvent(DEV, e, lpi[e], icid[e]);
        }
        its.post(movi(DEV, 1, 3), sync(its.rd(3)));
        its.post(movi(DEV, 2, 0), sync(its.rd(0)));
        icid[1] = 3;
        icid[2] = 0;
        checkFourEvents(lpi, icid);
        restore(path);
        checkFourEvents(lpi, icid);
    }

    private void checkFourEvents(int[] lpi, int[] icid) {
        for (int e = 0; e < 4; e++) {
            assertEquals(iteValue(lpi[e], icid[e]), its.ite(DEV, e), "ITE of event " + e);
        }
        assertEquals(0, its.ite(DEV, 4), "the next ITE is untouched");
        for (int e = 0; e < 4; e++) {
            its.msi(DEV, e);
        }
        assertEquals(List.of(lpi[0], lpi[2]), its.taken(0));
        assertEquals(List.of(), its.taken(1));
        assertEquals(List.of(), its.taken(2));
        assertEquals(List.of(lpi[1], lpi[3]), its.taken(3));
    }

    // ---------------------------------------------------------------------------------------------
    // KVM

    /**
     * ITS.md 7 K3: KVM's MOVALL and its pending-table sync walked LPIs that a concurrent command had just
     * unmapped (a NULL dereference). Here two ITSes translate events to the same LPI: one loops MAPC +
     * MOVALL between the two CPUs, the other DISCARD / MAPTI, while EnableLPIs is toggled on both CPUs
     * (each re-enable reads the written-back pending table, PTZ = 0) and vCPUs acknowledge. Nothing throws,
     * no command fails, no acknowledge exceeds the translated MSIs, and afterwards each ITS translates
     * exactly as its final tables say.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("K3: MOVALL and DISCARD on the same LPI racing EnableLPIs reloads neither throw nor break translation")
    void movall_and_discard_racing_enable_lpis_reloads_neither_throw_nor_break_translation() throws Exception {
        gic = machine(2, its(0), its(1)).create(new ItsGicProvider());
        gics.add(gic);
        ItsDriver a = new ItsDriver(gic, 0).bringUp();
        ItsDriver b = new ItsDriver(gic, 1).bringUp();
        its = a;
        a.mapDevice(DEV, 1);
        a.mapEvent(DEV, 0, LPI, 0);
        b.mapDevice(DEV, 1);
        b.mapEvent(DEV, 0, LPI, 1);
        AtomicBoolean stopDevices = new AtomicBoolean();
        AtomicBoolean stopCpus = new AtomicBoolean();
        AtomicBoolean stopOthers = new AtomicBoolean();
        AtomicLong takes = new AtomicLong();
        Queue<Integer> unexpected = new ConcurrentLinkedQueue<>();
        for (ItsDriver d : List.of(a, b)) {
            workers.start("device" + d.index, stopDevices, () -> {
                while (!stopDevices.get()) {
                    d.msi(DEV, 0);
                    LockSupport.parkNanos(1_000);
                }
            });
        }
        for (int c = 0; c < 2; c++) {
            int cpu = c;
            workers.start("vcpu" + c, stopCpus, () -> {
                while (!stopCpus.get()) {
                    int id = (int) gic.cpu(cpu).read(IccRegister.IAR1);
                    if (id == 1023) {
                        LockSupport.parkNanos(20_000);
                        continue;
                    }
                    if (id == LPI) {
                        takes.incrementAndGet();
                    } else {
                        unexpected.add(id);
                    }
                    gic.cpu(cpu).write(IccRegister.EOIR1, id);
                }
            });
        }
        workers.start("enable-lpis", stopOthers, () -> {
            for (int i = 0; i < 4000 && !stopOthers.get(); i++) { // each iteration ends with LPIs enabled
                disableLpis(gic, i % 2);
                Thread.yield();
                enableLpis(gic, i % 2);
            }
        });
        workers.start("movall", stopOthers, () -> {
            for (int i = 0; i < 600 && !stopOthers.get(); i++) { // ends with collection 0 on CPU 0
                a.post(mapc(0, a.rd(1), true), movall(a.rd(0), a.rd(1)), sync(a.rd(1)));
                a.post(mapc(0, a.rd(0), true), movall(a.rd(1), a.rd(0)), sync(a.rd(0)));
            }
        });
        for (int i = 0; i < 600 && !workers.failed(); i++) { // ends unmapped
            b.post(mapti(DEV, 0, LPI, 1), sync(b.rd(1)));
            b.post(discard(DEV, 0), sync(b.rd(1)));
        }
        workers.join("enable-lpis", "movall");
        workers.stop("device0", "device1");
        workers.stop("vcpu0", "vcpu1");
        workers.rethrow();
        for (int c = 0; c < 2; c++) {
            takes.addAndGet(drainGroup1(gic, c).size());
        }

        assertEquals(List.of(), List.copyOf(unexpected));
        assertEquals(0, a.its().errorCount() + b.its().errorCount(), "no command failed");
        long translated = a.counter("msi") - a.counter("msi.dropped") + b.counter("msi") - b.counter("msi.dropped");
        assertTrue(takes.get() <= translated, takes.get() + " acknowledges for " + translated + " translated MSIs");
        assertTrue(gic.redistributor(0).lpisEnabled() && gic.redistributor(1).lpisEnabled());
        assertEquals(cteValue(0, 0), a.cte(0));
        assertEquals(0, b.ite(DEV, 0), "the last command on ITS 1 was a DISCARD");
        assertFalse(pendingAnywhere(LPI));
        a.msi(DEV, 0);
        b.msi(DEV, 0);
        assertEquals(List.of(LPI), drainGroup1(gic, 0), "ITS 0 routes through collection 0 to CPU 0");
        assertEquals(List.of(), drainGroup1(gic, 1), "ITS 1's event is unmapped");
    }

    /**
     * ITS.md 7 K4 (kvm-unit-tests "its-migrate-unmapped-collection"): KVM could not restore a collection
     * that MAPTI named but MAPC never mapped. The event survives the restore with its ICID and routes as
     * soon as MAPC maps the collection.
     */
    @ParameterizedTest
    @EnumSource(Path.class)
    @DisplayName("K4: an event of a never-mapped collection survives a restore and routes once MAPC maps it")
    void an_event_of_a_never_mapped_collection_survives_a_restore_and_routes_once_mapc_maps_it(Path path) {
        start(4, false);
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 100);
        its.msi(DEV, 0);
        assertEquals(1, its.counter("msi.dropped.collection"));

        restore(path);

        assertEquals(iteValue(LPI, 100), its.ite(DEV, 0));
        its.msi(DEV, 0);
        assertEquals(1, its.counter("msi.dropped.collection"), "still no collection 100");
        its.post(mapc(100, its.rd(2), true), sync(its.rd(2)));
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(2));
        assertEquals(0, its.its().errorCount());
    }

    /**
     * ITS.md 7 K8: KVM's restore scan of a two-level table trusted the guest's {@code next} fields and ran
     * off the level-2 page. This ITS never reads {@code next}: garbage there (in valid and invalid DTEs of a
     * two-level device table, and in ITEs) changes no translation, before or after a restore, and no access
     * leaves guest RAM.
     */
    @ParameterizedTest
    @EnumSource(Path.class)
    @DisplayName("K8: garbage next fields in a two-level device table and in ITEs are ignored, before and after a restore")
    void garbage_next_fields_in_a_two_level_device_table_and_in_ites_are_ignored(Path path) {
        gic = machine(4).create(new ItsGicProvider());
        gics.add(gic);
        its = new ItsDriver(gic, 0);
        bringUpCpus(gic);
        its.deviceTable(PAGE_4K, 1, true);
        long l2 = its.l2Page(its.devices, 0);
        its.collectionTable(PAGE_4K, 1, false);
        its.commandQueue(16);
        its.enable();
        its.mapCollections();
        long itt = its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, 8200, 1);
        its.mapEvent(DEV, 1, 8201, 2);
        long dteAddress = its.entryAddress(its.devices, DEV);
        its.store64(dteAddress, its.load64(dteAddress) | 0x3FFFL << 49); // next [62:49]: all ones
        for (int d = 0; d < 512; d++) {
            if (d != DEV) {
                its.store64(l2 + 8L * d, 0x3FFFL << 49); // invalid entries with a huge next
            }
        }
        for (int e = 0; e < 16; e++) {
            its.store64(itt + 8L * e, its.load64(itt + 8L * e) | 0xFFFFL << 48); // next [63:48]
        }
        int outside = host(gic).mem().outOfRange();

        checkTwoEvents();
        restore(path);
        checkTwoEvents();
        assertTrue(gic.diagnostics().contains("device 0x3"), "diagnostics walk the tables too");
        assertEquals(outside, host(gic).mem().outOfRange(), "no access outside guest RAM");
    }

    private void checkTwoEvents() {
        its.msi(DEV, 0);
        its.msi(DEV, 1);
        its.msi(DEV, 2); // unmapped, whatever its next field says
        assertEquals(List.of(8200), its.taken(1));
        assertEquals(List.of(8201), its.taken(2));
        assertEquals(1, its.counter("msi.dropped.event"));
    }

    /**
     * ITS.md 7 K9: KVM took the ABI revision from the current GITS_IIDR instead of the value written, so a
     * table revision could not be selected. Here GITS_IIDR (Revision 0: the KVM table ABI revision 0 this
     * ITS uses), GITS_TYPER and GITS_PIDR2 are read-only, a snapshot holds none of them, and a restore
     * brings back the same values: there is no revision to select.
     */
    @ParameterizedTest
    @EnumSource(Path.class)
    @DisplayName("K9: ID registers ignore writes and read the same after a restore")
    void id_registers_ignore_writes_and_read_the_same_after_a_restore(Path path) {
        start(4, true);
        long iidr = its.read32(GITS_IIDR);
        long typer = its.read64(GITS_TYPER);
        long pidr2 = its.read32(GITS_PIDR2);
        assertEquals(0, iidr >>> 12 & 0xF, "GITS_IIDR.Revision: table format revision 0");
        its.write32(GITS_IIDR, iidr | 0xF000); // another Revision
        its.write64(GITS_TYPER, ~typer);
        its.write32(GITS_PIDR2, 0);
        restore(path);
        assertEquals(iidr, its.read32(GITS_IIDR));
        assertEquals(typer, its.read64(GITS_TYPER));
        assertEquals(pidr2, its.read32(GITS_PIDR2));
    }

    /**
     * ITS.md 7 K12: after MAPC V=0, KVM nulled the collection of every ITE that used it, so a later MAPC V=1
     * did not route them again, and saving tables dereferenced the null. Here the ITE keeps its ICID: a
     * snapshot taken while the collection is unmapped restores, and MAPC V=1 routes MSIs and INT again.
     */
    @ParameterizedTest
    @EnumSource(Path.class)
    @DisplayName("K12: after MAPC V=0 and a restore, MAPC V=1 routes the collection's events again")
    void after_mapc_v0_and_a_restore_mapc_v1_routes_the_collections_events_again(Path path) {
        start(4, true);
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 1);
        its.mapEvent(DEV, 1, LPI + 1, 1);
        its.post(mapc(1, its.rd(1), false), sync(its.rd(1)));

        restore(path);

        assertEquals(iteValue(LPI, 1), its.ite(DEV, 0), "the ITE keeps its ICID");
        its.msi(DEV, 0);
        assertEquals(1, its.counter("msi.dropped.collection"));
        its.post(mapc(1, its.rd(3), true), sync(its.rd(3)));
        its.msi(DEV, 0);
        its.post(interrupt(DEV, 1), sync(its.rd(3)));
        assertEquals(List.of(LPI, LPI + 1), its.taken(3));
        assertEquals(0, its.its().errorCount());
    }

    // ---------------------------------------------------------------------------------------------
    // Guest side and generic tests

    /**
     * ITS.md 7 generic test 1, kvm-unit-tests "its-pending-migration": 256 LPIs pending on two CPUs are
     * written back to the pending tables by EnableLPIs 1 → 0, survive a restore, and all arrive, each once
     * on its own CPU, when the guest enables LPIs again with PTZ = 0.
     */
    @ParameterizedTest
    @EnumSource(Path.class)
    @DisplayName("kvm-unit-tests its-pending-migration: 256 LPIs pending on two CPUs arrive after a restore and PTZ = 0")
    void lpis_pending_in_the_tables_of_two_cpus_all_arrive_after_a_restore_and_enable_with_ptz_0(Path path) {
        gic = machine(2).create(new ItsGicProvider());
        gics.add(gic);
        its = new ItsDriver(gic, 0).bringUp();
        its.mapDevice(DEV, 7); // 256 events
        List<List<Integer>> expected = List.of(new ArrayList<>(), new ArrayList<>());
        for (int e = 0; e < 256; e++) {
            its.post(mapti(DEV, e, 8192 + e, e % 2));
            expected.get(e % 2).add(8192 + e);
        }
        its.post(sync(its.rd(0)));
        for (int e = 0; e < 256; e++) {
            its.msi(DEV, e); // nothing acknowledges yet
        }
        disableLpis(gic, 0);
        disableLpis(gic, 1);
        for (int e = 0; e < 256; e++) {
            assertTrue(pendingTableBit(gic, e % 2, 8192 + e), "written back: " + (8192 + e));
        }

        restore(path);

        for (int c = 0; c < 2; c++) {
            assertFalse(host(gic).irq(c));
            programLpiTablesWithoutPtz(gic, c, 15);
            enableLpis(gic, c);
        }
        assertEquals(expected.get(0), its.taken(0));
        assertEquals(expected.get(1), its.taken(1));
    }

    /**
     * ITS.md 7 generic test 6 (an UNPREDICTABLE case: one pINTID mapped twice): two events of one device map
     * to the same LPI. Their MSIs coalesce in its single pending state, a DISCARD of one removes that state
     * (pending state belongs to the LPI), and the other event keeps translating.
     */
    @Test
    @DisplayName("Generic 6: two events mapped to one LPI share its pending state")
    void two_events_mapped_to_one_lpi_share_its_pending_state() {
        start(4, false);
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 1);
        its.mapEvent(DEV, 1, LPI, 1);
        its.msi(DEV, 0);
        its.msi(DEV, 1);
        assertEquals(List.of(LPI), its.taken(1), "coalesced");
        its.msi(DEV, 1);
        its.post(discard(DEV, 0), sync(its.rd(1)));
        assertFalse(pendingAnywhere(LPI), "DISCARD removed the LPI's pending state");
        its.msi(DEV, 0);
        assertEquals(List.of(), its.taken(1));
        its.msi(DEV, 1);
        assertEquals(List.of(LPI), its.taken(1));
        assertEquals(1, its.counter("msi.dropped.event"));
    }

    /**
     * ITS.md 7 guest side, Zephyr issue 119809: Zephyr's driver polls GITS_CTLR.Quiescent, a path QEMU never
     * exercises because it always reads 1. Here Quiescent reads 0 while commands wait for a later access
     * (the work bound), and a guest that polls GITS_CTLR sees it become 1 after a bounded number of reads,
     * with every command done.
     */
    @Test
    @DisplayName("Zephyr 119809: Quiescent reads 0 while commands wait and polling GITS_CTLR makes it 1")
    void quiescent_reads_0_while_commands_wait_and_polling_gits_ctlr_makes_it_1() {
        start(2, false);
        long before = its.counter("command.INVALL");
        long[][] cmds = new long[300][];
        for (int i = 0; i < cmds.length; i++) {
            cmds[i] = invall(i % 2);
        }
        its.post(cmds);
        assertEquals(CTLR_ENABLED, its.read32(GITS_CTLR), "Enabled, not Quiescent: INVALLs wait");
        int reads = 1;
        while ((its.read32(GITS_CTLR) & CTLR_QUIESCENT) == 0) {
            reads++;
            assertTrue(reads <= 30, "Quiescent never came back");
        }
        assertTrue(its.drained());
        assertEquals(300, its.counter("command.INVALL") - before);
    }
}
