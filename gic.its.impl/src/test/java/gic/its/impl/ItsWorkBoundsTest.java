package gic.its.impl;

import static gic.core.TestGic.*;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.IccRegister;
import gic.core.GicCore;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One access to an ITS does a bounded amount of work, and what the bound leaves over is worked off as
 * the guest polls GITS_CREADR; MOVALL and MOVI move pending state in one step and say when they cannot.
 */
class ItsWorkBoundsTest {

    private static final int DEV = 4;

    private GicCore gic;
    private ItsDriver its;

    @AfterEach
    void close() {
        if (gic != null) {
            gic.close();
        }
    }

    private void start() {
        gic = machine(2).lenient().create(new ItsGicProvider());
        its = new ItsDriver(gic, 0).bringUp();
    }

    @Test
    void a_queue_of_table_wide_commands_is_worked_off_across_the_guests_polls_of_creadr() {
        start();
        long before = its.counter("command.INVALL");
        long[][] cmds = new long[300][];
        for (int i = 0; i < cmds.length; i++) {
            cmds[i] = invall(i % 2);
        }
        its.post(cmds); // one GITS_CWRITER write

        // 16 INTID bits: an INVALL costs 1 + 65536/16 units of the 65536 one access may spend.
        long firstAccess = its.counter("command.INVALL") - before;
        assertEquals(16, firstAccess, "INVALLs run by the GITS_CWRITER write");
        // Every register read of the ITS works off at most another 16 (reads are how software polls).
        int reads = 1;
        long end = its.cwriter();
        while ((its.creadr() & OFFSET_MASK) != end) {
            reads++;
            assertTrue(reads <= 30, "the queue never drained");
        }
        reads++;
        assertEquals(300, its.counter("command.INVALL") - before);
        assertEquals(18, reads, "(300 - 16) / 16 rounded up: 18 more register reads");
        assertFalse(its.stalled());
    }

    @Test
    void a_full_queue_of_ordinary_commands_completes_within_the_cwriter_write() {
        start();
        long before = its.counter("command.SYNC");
        long[][] cmds = new long[2047][]; // 64 KiB queue, one slot kept free
        for (int i = 0; i < cmds.length; i++) {
            cmds[i] = sync(its.rd(0));
        }
        its.post(cmds);
        assertEquals(2047, its.counter("command.SYNC") - before);
    }

    @Test
    void movall_to_a_redistributor_with_lpis_disabled_moves_nothing() {
        start();
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, 8200, 0);
        gic.cpu(0).write(IccRegister.PMR, 0); // CPU 0 takes nothing: the LPI stays pending
        its.msi(DEV, 0);
        disableLpis(gic, 1);
        its.post(movall(its.rd(0), its.rd(1)));
        assertTrue(its.pending(0, 8200), "still pending at the source");
        assertFalse(its.its().stalled());
        assertEquals(0, its.its().errorCount(), "not a command error");
    }

    @Test
    void movi_to_a_redistributor_with_lpis_disabled_drops_the_pending_state_and_counts_it() {
        start();
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 0, 8200, 0);
        gic.cpu(0).write(IccRegister.PMR, 0);
        its.msi(DEV, 0);
        disableLpis(gic, 1);
        its.post(movi(DEV, 0, 1));
        assertFalse(its.pending(0, 8200));
        assertEquals(1, its.counter("command.pendingDropped"));
        assertEquals(0, its.its().errorCount(), "not a command error");
    }

    @Test
    void movall_moves_hundreds_of_pending_lpis_in_one_step_and_the_target_takes_them_all() {
        start();
        its.mapDevice(DEV, 9); // 1024 events
        gic.cpu(0).write(IccRegister.PMR, 0);
        long[][] maps = new long[500][];
        for (int e = 0; e < maps.length; e++) {
            maps[e] = mapti(DEV, e, 8192 + e, 0);
        }
        its.post(maps);
        for (int e = 0; e < maps.length; e++) {
            its.msi(DEV, e);
        }
        its.post(movall(its.rd(0), its.rd(1)));
        List<Integer> taken = its.taken(1);
        assertEquals(500, taken.size());
        assertEquals(8192, taken.get(0));
        assertTrue(its.taken(0).isEmpty() && !its.pending(0, 8192));
    }

    @Test
    void a_backlog_survives_a_host_callback_that_throws_while_the_guest_polls() {
        gic = machine(2).create(new ItsGicProvider()); // strict host: a guest error throws out of the access
        its = new ItsDriver(gic, 0).bringUp();
        long start = its.creadr();
        long[][] cmds = new long[22][];
        for (int i = 0; i < 20; i++) {
            cmds[i] = invall(0);
        }
        cmds[20] = interrupt(DEV, 0); // unmapped device: UNMAPPED_DEVICE, reported to the host
        cmds[21] = sync(its.rd(0));
        its.post(cmds); // runs 16 INVALLs
        assertThrows(AssertionError.class, its::creadr, "the next read runs the INT, whose error the host throws");
        its.place(start + 20 * 32, sync(its.rd(0))); // the guest mends the command
        long end = start + 22 * 32;
        for (int reads = 0; its.creadr() != end; reads++) {
            assertTrue(reads < 5, "the queue was stranded after the host's exception");
        }
        assertFalse(its.stalled());
    }
}
