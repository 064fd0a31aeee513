package gic.directlpi.impl;

import static gic.core.TestGic.*;
import static gic.directlpi.impl.DirectLpiRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.DirectLpi;
import gic.core.GicCore;
import gic.core.TestGic;
import gic.core.TestHost;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Moving an LPI between redistributors: the host helper {@link DirectLpi#retarget} (new doorbell, the
 * pending state moved as one step, SYNCR), and the procedure a guest driver follows with the registers
 * alone.
 */
class RetargetTest {

    private GicCore gic;
    /** The device's MSI address, as the doorbell callback rewrites it. */
    private final AtomicLong doorbell = new AtomicLong();

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    private TestHost host() {
        return TestGic.host(gic);
    }

    private DirectLpi direct() {
        return gic.directLpi().orElseThrow();
    }

    private void deviceMsi(int intid) {
        assertTrue(gic.msi(doorbell.get(), 4, intid, 1));
    }

    @Test
    void retarget_rewrites_the_doorbell_and_moves_a_pending_lpi_to_the_new_cpu() {
        gic = machine(2, false);
        doorbell.set(direct().setLpirAddress(0));
        lpiConfig(gic, 8200, PRIO, false); // masked, so it stays pending at CPU 0
        invlpir(gic, 0, 8200);
        deviceMsi(8200);
        assertTrue(pending(gic, 0, 8200));

        assertTrue(direct().retarget(8200, 0, 1, doorbell::set));
        assertEquals(direct().setLpirAddress(1), doorbell.get());
        assertFalse(pending(gic, 0, 8200));
        assertTrue(pending(gic, 1, 8200));
        assertEquals(1, counter(gic, "directlpi.retarget"));
        assertEquals(1, counter(gic, "directlpi.retarget.moved"));

        lpiConfig(gic, 8200, PRIO, true);
        invlpir(gic, 1, 8200);
        waitForSyncr(gic, 1);
        assertEquals(List.of(8200), drainGroup1(gic, 1));
        invlpir(gic, 0, 8200);
        assertEquals(List.of(), drainGroup1(gic, 0), "nothing left at the old CPU");
    }

    @Test
    void retarget_calls_the_doorbell_before_it_moves_the_pending_state() {
        gic = machine(2, false);
        setlpir(gic, 0, 8200);
        List<String> seen = new ArrayList<>();
        direct().retarget(8200, 0, 1, address -> {
            seen.add("doorbell " + (address == direct().setLpirAddress(1)));
            seen.add("pending at old " + pending(gic, 0, 8200));
        });
        assertEquals(List.of("doorbell true", "pending at old true"), seen);
        assertTrue(pending(gic, 1, 8200));
    }

    @Test
    void retarget_of_an_lpi_that_is_not_pending_moves_nothing() {
        gic = machine(2, false);
        doorbell.set(direct().setLpirAddress(0));
        assertFalse(direct().retarget(8200, 0, 1, doorbell::set));
        assertEquals(direct().setLpirAddress(1), doorbell.get());
        assertFalse(pending(gic, 0, 8200));
        assertFalse(pending(gic, 1, 8200), "no spurious interrupt at the new CPU");
        deviceMsi(8200);
        assertEquals(List.of(8200), drainGroup1(gic, 1), "the next MSI goes to the new CPU");
        assertEquals(List.of(), drainGroup1(gic, 0));
    }

    @Test
    void retarget_coalesces_with_a_raise_already_pending_at_the_new_cpu() {
        gic = machine(2, false);
        setlpir(gic, 0, 8200);
        setlpir(gic, 1, 8200); // an MSI that already reached the new doorbell
        assertTrue(direct().retarget(8200, 0, 1, doorbell::set));
        assertEquals(1, counter(gic, "directlpi.retarget.coalesced"));
        assertEquals(List.of(8200), drainGroup1(gic, 1));
        assertEquals(List.of(), drainGroup1(gic, 0));
    }

    @Test
    void an_msi_to_the_old_doorbell_landing_after_retarget_is_taken_once_on_the_old_cpu() {
        gic = machine(2, false);
        doorbell.set(direct().setLpirAddress(0));
        long inFlight = doorbell.get(); // the device read the old address before the retarget
        direct().retarget(8200, 0, 1, doorbell::set);
        assertTrue(gic.msi(inFlight, 4, 8200, 1));
        assertEquals(List.of(8200), drainGroup1(gic, 0));
        assertEquals(List.of(), drainGroup1(gic, 1));
    }

    @Test
    void an_lpi_acknowledged_at_the_old_cpu_before_retarget_is_not_taken_again() {
        gic = machine(2, false);
        setlpir(gic, 0, 8200);
        assertEquals(8200, iar1(gic, 0));
        assertFalse(direct().retarget(8200, 0, 1, doorbell::set));
        eoir1(gic, 0, 8200);
        assertEquals(List.of(), drainGroup1(gic, 1));
    }

    @Test
    void retarget_leaves_other_lpis_where_they_are() {
        gic = machine(2, false);
        setlpir(gic, 0, 8200);
        setlpir(gic, 0, 8201);
        direct().retarget(8200, 0, 1, doorbell::set);
        assertEquals(List.of(8201), drainGroup1(gic, 0));
        assertEquals(List.of(8200), drainGroup1(gic, 1));
    }

    @Test
    void retarget_works_in_both_directions_of_the_lock_order() {
        gic = machine(3, false);
        setlpir(gic, 2, 8200);
        assertTrue(direct().retarget(8200, 2, 0, doorbell::set));
        assertTrue(direct().retarget(8200, 0, 1, doorbell::set));
        assertEquals(List.of(8200), drainGroup1(gic, 1));
    }

    @Test
    void retarget_to_the_same_cpu_only_rewrites_the_doorbell() {
        gic = machine(2, false);
        setlpir(gic, 1, 8200);
        assertFalse(direct().retarget(8200, 1, 1, doorbell::set));
        assertEquals(direct().setLpirAddress(1), doorbell.get());
        assertTrue(pending(gic, 1, 8200));
    }

    @Test
    void retarget_to_a_redistributor_with_lpis_disabled_leaves_the_pending_state_at_the_old_one() {
        gic = machine(2, true);
        disableLpis(gic, 1);
        setlpir(gic, 0, 8200);
        assertFalse(direct().retarget(8200, 0, 1, doorbell::set));
        assertEquals(direct().setLpirAddress(1), doorbell.get(), "the doorbell moves as asked");
        assertTrue(pending(gic, 0, 8200), "nothing lost");
        assertEquals(1, counter(gic, "directlpi.retarget.refused"));
        assertTrue(host().guestErrors().get(0).contains("stays at GICR0"), host().guestErrors().toString());
        assertEquals(List.of(8200), drainGroup1(gic, 0));
    }

    @Test
    void retarget_refreshes_the_lpi_configuration_at_the_new_redistributor() {
        gic = machine(2, false);
        int late = LPI_BASE + CONFIGURED; // disabled in the table when LPIs were enabled
        lpiConfig(gic, late, PRIO, true);
        invlpir(gic, 0, late); // the guest enabled it where it targets: CPU 0
        doorbell.set(direct().setLpirAddress(0));
        direct().retarget(late, 0, 1, doorbell::set);
        deviceMsi(late);
        assertEquals(List.of(late), drainGroup1(gic, 1), "CPU 1's cached byte was re-read");
    }

    @Test
    void retarget_rejects_a_cpu_index_outside_the_gic_before_doing_anything() {
        gic = machine(2, false);
        setlpir(gic, 0, 8200);
        assertThrows(IndexOutOfBoundsException.class, () -> direct().retarget(8200, 0, 2, doorbell::set));
        assertThrows(IndexOutOfBoundsException.class, () -> direct().retarget(8200, -1, 1, doorbell::set));
        assertEquals(0, doorbell.get());
        assertTrue(pending(gic, 0, 8200));
    }

    @Test
    void retarget_of_an_intid_that_is_no_lpi_moves_nothing() {
        gic = machine(2, true);
        assertFalse(direct().retarget(40, 0, 1, doorbell::set));
        assertEquals(1, counter(gic, "directlpi.retarget.refused"));
    }

    // ---------------------------------------------------------------------------------------------
    // The guest's procedure, with registers only (see the README): the guest cannot read an LPI's
    // pending state, so it sets the LPI at the new redistributor unconditionally, then clears it at the
    // old one and waits for the old one's GICR_SYNCR.

    private void guestRetarget(int intid, int from, int to) {
        doorbell.set(direct().setLpirAddress(to)); // the device's MSI address is rewritten (masked at the device)
        setlpir(gic, to, intid);
        clrlpir(gic, from, intid);
        waitForSyncr(gic, from);
    }

    @Test
    void the_guest_procedure_moves_a_pending_lpi_without_losing_it() {
        gic = machine(2, false);
        doorbell.set(direct().setLpirAddress(0));
        lpiConfig(gic, 8200, PRIO, false);
        invlpir(gic, 0, 8200);
        deviceMsi(8200); // raised while masked: pending at CPU 0
        guestRetarget(8200, 0, 1);
        lpiConfig(gic, 8200, PRIO, true);
        invlpir(gic, 1, 8200);
        waitForSyncr(gic, 1);
        assertEquals(List.of(8200), drainGroup1(gic, 1));
        invlpir(gic, 0, 8200);
        assertEquals(List.of(), drainGroup1(gic, 0));
    }

    @Test
    void the_guest_procedure_costs_a_spurious_interrupt_when_nothing_was_pending() {
        gic = machine(2, false);
        doorbell.set(direct().setLpirAddress(0));
        guestRetarget(8200, 0, 1);
        assertEquals(List.of(8200), drainGroup1(gic, 1), "the unconditional SETLPIR is taken: a spurious run"
            + " of the handler, which the host helper avoids");
    }

    @Test
    void a_guest_that_only_clears_at_the_old_redistributor_loses_an_msi_that_landed_there() {
        // The shortcut the procedure forbids: clear at the old redistributor and set nothing at the new one
        // (the guest cannot see whether anything was pending). An MSI that reached the old redistributor
        // between the address switch and the clear is then lost.
        gic = machine(2, false);
        doorbell.set(direct().setLpirAddress(0));
        long inFlight = doorbell.get();
        doorbell.set(direct().setLpirAddress(1));
        assertTrue(gic.msi(inFlight, 4, 8200, 1)); // lands at the old redistributor
        lpiConfig(gic, 8200, PRIO, false); // (masked while it moves, so the old CPU does not take it)
        invlpir(gic, 0, 8200);
        clrlpir(gic, 0, 8200);
        lpiConfig(gic, 8200, PRIO, true);
        invlpir(gic, 0, 8200);
        invlpir(gic, 1, 8200);
        assertEquals(List.of(), drainGroup1(gic, 0));
        assertEquals(List.of(), drainGroup1(gic, 1), "lost: the reason for set-then-clear");
    }
}
