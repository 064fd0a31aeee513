package gic.its.impl;

import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.core.GicCore;
import gic.core.TestGic;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command queue (ITS.md section 2, design "GITS_CWRITER"): commands run within the CWRITER write or
 * the Enable write, the ring wraps with one slot free, offsets beyond the queue are ignored, and
 * disabling/re-enabling or rewriting CBASER resumes where the architecture says.
 */
class ItsQueueTest {

    private GicCore gic;
    private ItsDriver its;

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    /** Two CPUs, default ITS, the GIC side brought up, tables programmed; queue and Enable left to the test. */
    private ItsDriver start(boolean lenient) {
        gic = machine(2).lenient(lenient).create(new ItsGicProvider(ItsOptions.DEFAULTS));
        its = new ItsDriver(gic, 0);
        bringUpCpus(gic);
        its.deviceTable(PAGE_64K, 1, false);
        its.collectionTable(PAGE_4K, 1, false);
        return its;
    }

    @Test
    void commands_complete_within_the_cwriter_write() {
        start(false).bringUp();
        its.post(mapc(7, 1, true));
        assertEquals(its.cwriter(), its.creadr());
        assertEquals(cteValue(1, 7), its.cte(7));
    }

    @Test
    void rewriting_cwriter_with_its_current_offset_runs_nothing() {
        start(false).bringUp();
        long commands = its.counter("command");
        its.write32(GITS_CWRITER, its.cwriter());
        its.write64(GITS_CWRITER, its.cwriter());
        assertEquals(commands, its.counter("command"));
    }

    @ParameterizedTest(name = "{0} page(s)")
    @ValueSource(ints = {1, 3})
    void queue_wraps_round_many_times(int pages) {
        start(false);
        its.commandQueue(pages);
        its.enable();
        its.mapCollections();
        its.mapDevice(0, 10);
        int slots = pages * 4096 / 32;
        int[] batches = {1, slots - 1, 5, slots / 2, slots - 2, 3, 2, slots - 1, 17};
        int event = 0;
        long before = its.counter("command");
        int posted = 0;
        for (int b = 0; event < 2000; b++) {
            int n = Math.min(batches[b % batches.length], 2000 - event);
            long[][] cmds = new long[n][];
            for (int i = 0; i < n; i++, event++) {
                cmds[i] = event % 2 == 0 ? mapti(0, event / 2, 8192 + event / 2, event / 2 % 2) : sync(0);
            }
            its.post(cmds);
            posted += n;
            assertTrue(its.drained(), "batch " + b);
        }
        assertTrue(posted > 4 * slots, "went round the queue several times");
        assertEquals(posted, its.counter("command") - before);
        for (int e = 0; e < 1000; e++) {
            assertEquals(iteValue(8192 + e, e % 2), its.ite(0, e), "event " + e);
        }
        assertTrue(its.msi(0, 999));
        assertEquals(List.of(8192 + 999), its.taken(1));
    }

    @Test
    void a_full_queue_of_size_minus_one_commands_runs_on_enable() {
        start(false);
        its.commandQueue(1);
        long[][] cmds = new long[127][];
        for (int i = 0; i < 127; i++) {
            cmds[i] = mapc(i, i % 2, true);
        }
        its.post(cmds);
        assertEquals(127 * 32, its.cwriter());
        assertEquals(0, its.creadr(), "nothing runs while disabled");
        its.enable();
        // MAPC with V = 1 re-reads a property table, so 127 of them take several accesses (the work
        // bound per access, see ItsWorkBoundsTest): poll GITS_CREADR as software does.
        for (int polls = 0; its.creadr() != 127 * 32 && polls < 20; polls++) {
            assertFalse(its.stalled());
        }
        assertEquals(127 * 32, its.creadr());
        for (int i = 0; i < 127; i++) {
            assertEquals(cteValue(i % 2, i), its.cte(i));
        }
        its.post(sync(0));
        assertEquals(0, its.creadr(), "the next command wraps to offset 0");
    }

    @Test
    void largest_queue_runs_to_its_last_slot_and_wraps() {
        start(false);
        its.commandQueue(256);
        for (long off = 0; off < 0xFFFE0; off += 32) {
            its.place(off, sync(0));
        }
        its.write32(GITS_CWRITER, 0xFFFE0);
        its.enable();
        assertEquals(0xFFFE0, its.creadr());
        assertEquals(0xFFFE0 / 32, its.counter("command.SYNC"));
        its.post(mapc(3, 1, true));
        assertEquals(0, its.creadr());
        assertEquals(cteValue(1, 3), its.cte(3));
    }

    @Test
    void cwriter_beyond_the_queue_is_ignored_with_a_guest_error() {
        start(true);
        its.commandQueue(1);
        its.enable();
        its.post(sync(0));
        long commands = its.counter("command");
        int errors = TestGic.host(gic).guestErrors().size();
        its.write32(GITS_CWRITER, 0x1000);
        assertEquals(32, its.cwriter(), "ignored");
        its.write64(GITS_CWRITER, 0xFFFE0);
        assertEquals(32, its.cwriter(), "ignored");
        assertEquals(32, its.creadr());
        assertEquals(commands, its.counter("command"));
        assertTrue(TestGic.host(gic).guestErrors().size() >= errors + 2);
        its.post(mapc(4, 0, true));
        assertEquals(64, its.creadr(), "the queue works on");
        assertEquals(cteValue(0, 4), its.cte(4));
    }

    @Test
    void commands_queued_while_disabled_run_on_enable() {
        start(false);
        its.commandQueue(16);
        its.post(mapc(0, 0, true), mapc(1, 1, true), sync(0));
        assertEquals(0, its.creadr());
        assertEquals(0, its.cte(1));
        its.enable();
        assertEquals(96, its.creadr());
        assertEquals(cteValue(1, 1), its.cte(1));
    }

    /** ITS.md 7 Q6: QEMU zeroed CREADR when Enabled was set. */
    @Test
    void disable_stops_processing_and_reenable_continues_at_creadr() {
        start(false).bringUp();
        its.post(mapc(10, 0, true));
        long at = its.creadr();
        its.disable();
        assertEquals(0x8000_0000L, its.read32(GITS_CTLR), "quiescent at once");
        its.post(mapc(11, 1, true), mapc(12, 1, true));
        assertEquals(at, its.creadr());
        assertEquals(0, its.cte(11));
        long mapcs = its.counter("command.MAPC");
        its.enable();
        assertEquals(at + 64, its.creadr());
        assertEquals(mapcs + 2, its.counter("command.MAPC"), "only the two new commands ran");
        assertEquals(cteValue(1, 12), its.cte(12));
    }

    /** ITS.md 7 Q7: QEMU zeroed CWRITER on a CBASER write. */
    @Test
    void cbaser_write_keeps_cwriter_and_the_queue_restarts_at_offset_zero() {
        start(false);
        its.commandQueue(16);
        its.post(mapc(5, 0, true), mapc(6, 1, true));
        its.commandQueueAt(its.queue, 16);
        assertEquals(0, its.creadr());
        assertEquals(64, its.cwriter());
        its.enable();
        assertEquals(64, its.creadr());
        assertEquals(cteValue(1, 6), its.cte(6));
    }

    @Test
    void cbaser_not_valid_processes_nothing_until_it_is() {
        start(false);
        its.commandQueue(16);
        its.write64(GITS_CBASER, its.read64(GITS_CBASER) & ~VALID);
        its.enable();
        its.post(mapc(5, 1, true));
        assertEquals(0, its.creadr());
        assertEquals(0, its.cte(5));
        its.disable();
        its.commandQueueAt(its.queue, 16);
        its.enable();
        assertEquals(32, its.creadr());
        assertEquals(cteValue(1, 5), its.cte(5));
    }

    @Test
    void quiescent_reads_one_while_commands_wait() {
        start(false);
        its.commandQueue(16);
        its.post(sync(0), sync(1));
        assertEquals(CTLR_QUIESCENT, its.read32(GITS_CTLR));
        its.enable();
        assertEquals(CTLR_QUIESCENT | CTLR_ENABLED, its.read32(GITS_CTLR));
        assertFalse(its.stalled());
    }
}
