package gic.its.impl;

import static gic.core.TestGic.PROP;
import static gic.core.TestGic.pendTable;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicHost;
import gic.api.GicSnapshot;
import gic.api.IccRegister;
import gic.core.GicCore;
import gic.core.TestGic;
import gic.core.TestHost;
import gic.core.fuzz.RecordingMemory;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The host unmaps guest RAM while the ITS works (README "Commands and errors": whatever the error policy,
 * a memory fault stalls the queue). The guest-memory port ({@link RecordingMemory}) refuses requests from a
 * given request on, or for an address range; RAM then comes back. What must hold: the queue stalls at the
 * command that faulted (GITS_CREADR.Stalled, {@code its0.stall}), that command and everything behind it
 * take no effect (no table entry half-written, no pending state moved), translations that need the
 * missing memory are dropped and counted without stalling anything, and once RAM is back a GITS_CWRITER
 * write with Retry re-executes the command and the queue completes.
 *
 * <p>The tables sit where {@link ItsDriver#bringUp()} puts them; the test's own stores go straight to RAM
 * (a vCPU's), only the GIC's requests pass the port.
 */
class MemoryFaultTest {

    private static final int DEV = 5;
    private static final int LPI = 8300;

    private GicCore gic;
    private TestHost testHost;
    private RecordingMemory port;
    private ItsDriver its;

    @AfterEach
    void close() {
        if (gic != null) {
            gic.close();
        }
    }

    /** Two CPUs, one ITS with {@code options}, on a lenient host whose RAM is behind {@link #port}. */
    private void start(ItsOptions options) {
        TestGic.Builder machine = machine(2).lenient();
        testHost = machine.host();
        port = new RecordingMemory(testHost.mem());
        GicHost host = new GicHost() {
            @Override
            public RecordingMemory memory() {
                return port;
            }

            @Override
            public void setIrq(int cpu, boolean asserted) {
                testHost.setIrq(cpu, asserted);
            }

            @Override
            public void setFiq(int cpu, boolean asserted) {
                testHost.setFiq(cpu, asserted);
            }

            @Override
            public void guestError(String block, String message) {
                testHost.guestError(block, message);
            }
        };
        gic = (GicCore) new ItsGicProvider(options).create(machine.config(), host);
        its = new ItsDriver(gic, 0, testHost.mem());
    }

    private void startBroughtUp(ItsOptions options) {
        start(options);
        its.bringUp();
    }

    private long stalls() {
        return its.counter("stall");
    }

    // ---------------------------------------------------------------------------------------------
    // Table writes that fail

    @ParameterizedTest
    @EnumSource(ErrorPolicy.class)
    void an_ite_write_that_fails_stalls_maps_nothing_and_retry_maps_it_once_ram_is_back(ErrorPolicy policy) {
        startBroughtUp(ItsOptions.DEFAULTS.withErrorPolicy(policy));
        long itt = its.mapDevice(DEV, 3);
        port.unmap(itt, itt + 8 * 8);
        long at = its.cwriter();
        its.post(mapti(DEV, 2, LPI, 1), sync(its.rd(1)));

        assertEquals(at | STALLED, its.creadr(), "stalled at the MAPTI, whatever the policy");
        assertEquals(1, stalls());
        assertEquals(0, its.its().errorCount(), "a memory fault is no command error");
        port.remap();
        assertEquals(0, its.ite(DEV, 2), "no ITE was written");
        its.msi(DEV, 2);
        assertEquals(List.of(), its.taken(1), "the event does not translate");
        assertEquals(1, its.counter("msi.dropped.event"));
        assertEquals(at | STALLED, its.creadr(), "RAM coming back does not restart the queue by itself");

        its.retry();
        assertTrue(its.drained());
        assertEquals(iteValue(LPI, 1), its.ite(DEV, 2));
        its.msi(DEV, 2);
        assertEquals(List.of(LPI), its.taken(1));
    }

    @Test
    void a_dte_write_that_fails_leaves_the_device_unmapped_and_nothing_behind_it_runs() {
        startBroughtUp(ItsOptions.DEFAULTS);
        long dte = its.devices.pa() + 8L * DEV;
        long itt = its.itt(3);
        port.unmap(dte, dte + 8);
        long at = its.cwriter();
        its.post(mapd(DEV, 3, itt, true), mapti(DEV, 0, LPI, 1), sync(its.rd(1)));

        assertEquals(at | STALLED, its.creadr());
        port.remap();
        assertEquals(0, its.dte(DEV), "no DTE was written");
        assertEquals(0, its.load64(itt), "the MAPTI behind the stall did not run");
        its.msi(DEV, 0);
        assertEquals(1, its.counter("msi.dropped.device"));

        its.retry();
        assertTrue(its.drained());
        assertEquals(dteValue(itt, 3), its.dte(DEV));
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(1));
    }

    @Test
    void a_cte_write_that_fails_leaves_the_collection_unmapped() {
        startBroughtUp(ItsOptions.DEFAULTS);
        long cte = its.collections.pa() + 8L * 7;
        port.unmap(cte, cte + 8);
        long at = its.cwriter();
        its.post(mapc(7, its.rd(1), true));

        assertEquals(at | STALLED, its.creadr());
        port.remap();
        assertEquals(0, its.cte(7));
        its.retry();
        assertTrue(its.drained());
        assertEquals(cteValue(1, 7), its.cte(7));
    }

    @Test
    void one_unmapped_ite_in_a_batch_stops_the_batch_there_and_no_later_entry_is_written() {
        startBroughtUp(ItsOptions.DEFAULTS);
        long itt = its.mapDevice(DEV, 3);
        port.unmap(itt + 8, itt + 16); // only event 1's entry
        long at = its.cwriter();
        its.post(mapti(DEV, 0, LPI, 1), mapti(DEV, 1, LPI + 1, 1), mapti(DEV, 2, LPI + 2, 1), sync(its.rd(1)));

        assertEquals((at + 32) | STALLED, its.creadr(), "the first MAPTI ran, the second stalled");
        port.remap();
        assertEquals(iteValue(LPI, 1), its.ite(DEV, 0));
        assertEquals(0, its.ite(DEV, 1));
        assertEquals(0, its.ite(DEV, 2), "nothing behind the stall ran");

        its.retry();
        assertTrue(its.drained());
        for (int e = 0; e < 3; e++) {
            its.msi(DEV, e);
        }
        assertEquals(List.of(LPI, LPI + 1, LPI + 2), its.taken(1));
    }

    // ---------------------------------------------------------------------------------------------
    // Reads that fail: the queue, a level-1 descriptor

    @Test
    void ram_failing_from_a_request_on_stalls_at_the_command_read_and_retry_runs_it() {
        startBroughtUp(ItsOptions.DEFAULTS);
        port.failFrom(port.requests()); // every request from now on, starting with the command's read
        long at = its.cwriter();
        its.post(mapc(7, its.rd(1), true));

        assertEquals(at | STALLED, its.creadr());
        assertEquals(1, stalls());
        port.remap();
        assertEquals(0, its.cte(7));
        its.retry();
        assertTrue(its.drained());
        assertEquals(cteValue(1, 7), its.cte(7));
    }

    @Test
    void a_level1_descriptor_that_cannot_be_read_stalls_the_mapd_and_drops_msis_as_memory_faults() {
        start(ItsOptions.DEFAULTS);
        bringUpCpus(gic, testHost.mem());
        Table devices = its.deviceTable(PAGE_4K, 1, true);
        its.l2Page(devices, 0);
        its.collectionTable(PAGE_4K, 1, false);
        its.commandQueue(16);
        its.enable();
        its.mapCollections();
        long itt = its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 1);
        port.unmap(devices.pa(), devices.pa() + 0x1000);

        its.msi(DEV, 0);
        assertEquals(1, its.counter("msi.dropped.memory"), "the walk needs the level-1 descriptor");
        assertFalse(its.stalled(), "a translation fault stalls nothing");
        long at = its.cwriter();
        its.post(mapd(DEV, 3, itt, false));
        assertEquals(at | STALLED, its.creadr());
        port.remap();
        assertEquals(dteValue(itt, 3), its.dte(DEV), "the unmapping MAPD did not take effect");
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(1), "the device is still mapped");

        its.retry();
        assertTrue(its.drained());
        assertEquals(0, its.dte(DEV));
    }

    // ---------------------------------------------------------------------------------------------
    // Commands that move or clear pending state

    /** Maps event 0 of {@link #DEV} to {@link #LPI} on CPU 0 and leaves it pending there (PMR 0 on CPU 0). */
    private long pendingOnCpu0() {
        long itt = its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 0);
        gic.cpu(0).write(IccRegister.PMR, 0);
        its.msi(DEV, 0);
        assertTrue(its.pending(0, LPI));
        return itt;
    }

    @Test
    void a_movi_whose_ite_write_fails_moves_no_pending_state() {
        startBroughtUp(ItsOptions.DEFAULTS);
        long itt = pendingOnCpu0();
        port.unmapWrites(itt, itt + 8); // the ITE reads fine; the host takes it away before the write
        its.post(movi(DEV, 0, 1));

        assertTrue(its.stalled());
        assertTrue(its.pending(0, LPI), "still pending where it was");
        assertFalse(its.pending(1, LPI));
        port.remap();
        assertEquals(iteValue(LPI, 0), its.ite(DEV, 0), "the route is unchanged");

        its.retry();
        assertTrue(its.drained());
        assertFalse(its.pending(0, LPI));
        assertEquals(List.of(LPI), its.taken(1), "moved once RAM was back, and taken once");
    }

    @Test
    void a_discard_whose_ite_write_fails_keeps_the_mapping_and_the_pending_state() {
        startBroughtUp(ItsOptions.DEFAULTS);
        long itt = pendingOnCpu0();
        port.unmapWrites(itt, itt + 8);
        its.post(discard(DEV, 0));

        assertTrue(its.stalled());
        assertTrue(its.pending(0, LPI));
        port.remap();
        assertEquals(iteValue(LPI, 0), its.ite(DEV, 0));

        its.retry();
        assertTrue(its.drained());
        assertEquals(0, its.ite(DEV, 0));
        assertFalse(its.pending(0, LPI));
    }

    @Test
    void a_movi_whose_ite_cannot_be_read_stalls_before_touching_anything() {
        startBroughtUp(ItsOptions.DEFAULTS);
        long itt = pendingOnCpu0();
        port.unmap(itt, itt + 8);
        its.post(movi(DEV, 0, 1));

        assertTrue(its.stalled());
        assertTrue(its.pending(0, LPI));
        port.remap();
        its.retry();
        assertTrue(its.drained());
        assertEquals(List.of(LPI), its.taken(1));
    }

    // ---------------------------------------------------------------------------------------------
    // Translations and LPI tables

    @Test
    void msis_while_the_itt_is_unmapped_are_dropped_as_memory_faults_and_delivered_again_after() {
        startBroughtUp(ItsOptions.DEFAULTS.withTranslationCacheSize(0)); // every MSI walks the tables
        long itt = its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 1);
        port.unmap(itt, itt + 0x100);

        its.msi(DEV, 0);
        its.msi(DEV, 0);
        assertEquals(2, its.counter("msi.dropped.memory"));
        assertFalse(its.stalled());
        assertEquals(List.of(), its.taken(1));

        port.remap();
        its.msi(DEV, 0);
        assertEquals(List.of(LPI), its.taken(1));
    }

    @Test
    void an_invall_while_the_property_table_is_unmapped_disables_its_lpis_until_an_invall_after_ram_returns() {
        startBroughtUp(ItsOptions.DEFAULTS);
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, LPI, 1);
        long page = (PROP + LPI - 8192) & ~0xFFFL;
        port.unmap(page, page + 0x1000);
        int errors = testHost.guestErrors().size();

        its.post(invall(1), sync(its.rd(1)));
        assertTrue(its.drained(), "an LPI table is not the ITS's: no stall");
        assertTrue(testHost.guestErrors().size() > errors, "reported as a guest error");
        its.msi(DEV, 0);
        assertEquals(List.of(), its.taken(1), "pending, but its configuration read as disabled");

        port.remap();
        its.post(invall(1), sync(its.rd(1)));
        assertEquals(List.of(LPI), its.taken(1));
    }

    @Test
    void a_snapshot_while_the_pending_table_is_unmapped_still_holds_the_pending_lpi() {
        startBroughtUp(ItsOptions.DEFAULTS);
        pendingOnCpu0();
        port.unmap(pendTable(0), pendTable(0) + 0x1_0000);
        int errors = testHost.guestErrors().size();

        GicSnapshot s = GicSnapshot.fromBytes(gic.snapshot().toBytes());
        assertTrue(testHost.guestErrors().size() > errors, "the failed write-back is reported");
        assertArrayEquals(new long[] {LPI}, s.redistributors().get(0).pendingLpis().toArray());

        port.remap();
        gic.close();
        gic = (GicCore) new ItsGicProvider().restore(s, gic.host());
        gic.cpu(0).write(IccRegister.PMR, 0xFF);
        assertEquals(List.of(LPI), TestGic.drainGroup1(gic, 0));
    }
}
