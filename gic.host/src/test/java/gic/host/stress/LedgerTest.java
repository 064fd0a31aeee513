package gic.host.stress;

import static gic.host.stress.Ledger.Kind.MAPPED;
import static gic.host.stress.Ledger.Kind.UNMAPPED;
import static gic.host.stress.Ledger.Kind.UNSTABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The accounting's rules on small hand-made histories of one LPI (ticks 0..100): legal ones (coalescing,
 * DISCARD, overlapping takes, races with a changing mapping) pass, and each kind of fault is found.
 */
class LedgerTest {

    private final Ledger.DisabledWindows disabled = new Ledger.DisabledWindows(1);
    private final Ledger.Segment seg = new Ledger(new String[] {"L"}, disabled).new Segment(0, 100);

    private List<String> check() {
        Ledger.Totals t = new Ledger.Totals();
        seg.check(t);
        return t.kept;
    }

    private static void assertFound(String what, List<String> violations) {
        assertEquals(1, violations.size(), violations.toString());
        assertTrue(violations.get(0).contains(what), violations.get(0));
    }

    @Test
    void raises_that_overlap_a_pending_one_coalesce_into_one_take() {
        seg.raise(0, 1, 3, MAPPED);
        seg.raise(0, 2, 5, MAPPED);
        seg.raise(0, 6, 7, MAPPED);
        seg.take(0, 10, 12, 0);
        Ledger.Totals t = new Ledger.Totals();
        seg.check(t);
        assertEquals(List.of(), t.kept);
        assertEquals(2, t.unmatched, "two raises coalesced");
    }

    @Test
    void a_second_take_with_no_raise_after_the_first_is_found() {
        seg.raise(0, 1, 3, MAPPED);
        seg.raise(0, 2, 5, MAPPED);
        seg.take(0, 10, 12, 0);
        seg.take(0, 13, 15, 1);
        assertFound("has no raise of its own", check());
    }

    @Test
    void a_raise_that_overlaps_the_first_take_can_feed_the_second() {
        seg.raise(0, 1, 3, MAPPED);
        seg.take(0, 10, 12, 0);
        seg.raise(0, 11, 14, MAPPED); // it may have landed just after the first acknowledge
        seg.take(0, 13, 15, 1);
        assertEquals(List.of(), check());
    }

    @Test
    void takes_on_two_cpus_that_overlap_need_two_raises() {
        seg.raise(0, 1, 2, MAPPED);
        seg.raise(0, 25, 26, MAPPED);
        seg.take(0, 10, 50, 0);
        seg.take(0, 20, 30, 1);
        assertEquals(List.of(), check());
        seg.take(0, 40, 45, 2);
        assertFound("has no raise of its own", check());
    }

    @Test
    void a_take_after_a_discard_needs_a_raise_after_the_discard() {
        seg.raise(0, 1, 3, MAPPED);
        seg.clear(0, 5, 8);
        seg.raise(0, 10, 12, UNMAPPED);
        seg.take(0, 20, 22, 0);
        assertFound("taken while unmapped", check());
    }

    @Test
    void a_discard_may_remove_pending_raises() {
        seg.raise(0, 1, 3, MAPPED);
        seg.raise(0, 4, 6, MAPPED);
        seg.clear(0, 5, 8);
        assertEquals(List.of(), check());
    }

    @Test
    void a_mapped_raise_with_no_consumer_after_it_is_lost() {
        seg.raise(0, 1, 3, MAPPED);
        seg.take(0, 4, 6, 0);
        seg.raise(0, 10, 12, MAPPED);
        assertFound("lost", check());
    }

    @Test
    void a_raise_still_pending_at_the_end_is_not_lost() {
        seg.raise(0, 1, 3, MAPPED);
        seg.take(0, 4, 6, 0);
        seg.raise(0, 10, 12, MAPPED);
        seg.pendingAtEnd(0);
        assertEquals(List.of(), check());
    }

    @Test
    void pending_at_the_end_without_a_raise_is_found() {
        seg.raise(0, 1, 3, MAPPED);
        seg.take(0, 4, 6, 0);
        seg.pendingAtEnd(0);
        assertFound("pending at the segment's end", check());
    }

    @Test
    void pending_at_the_start_feeds_one_take_and_must_be_consumed() {
        seg.pendingAtStart(0);
        seg.take(0, 4, 6, 0);
        assertEquals(List.of(), check());

        Ledger.Segment other = new Ledger(new String[] {"L"}, null).new Segment(0, 100);
        other.pendingAtStart(0);
        Ledger.Totals t = new Ledger.Totals();
        other.check(t);
        assertEquals(1, t.violations, "pending at the start, gone at the end with no take");
    }

    @Test
    void an_unstable_raise_may_or_may_not_take_effect() {
        seg.raise(0, 1, 3, UNSTABLE);
        assertEquals(List.of(), check());
        seg.take(0, 4, 6, 0);
        assertEquals(List.of(), check());
    }

    @Test
    void an_unmapped_raise_never_feeds_a_take() {
        seg.raise(0, 1, 3, UNMAPPED);
        seg.take(0, 4, 6, 0);
        assertFound("has no raise of its own", check());
    }

    @Test
    void a_take_wholly_inside_a_disabled_window_is_found() {
        seg.raise(0, 1, 3, MAPPED);
        disabled.open(0, 2);
        seg.take(0, 4, 6, 0);
        assertFound("while it was disabled", check());
        disabled.close(0, 5); // enabled again during the acknowledge: allowed
        assertEquals(List.of(), check());
    }

    @Test
    void during_a_move_of_its_collection_an_lpi_may_be_taken_once_at_each_cpu() {
        seg.raise(0, 1, 3, MAPPED);   // pending at the old CPU
        seg.raise(0, 12, 14, MAPPED); // after MAPC: pending at the new CPU too
        seg.take(0, 15, 17, 1);       // the new CPU takes its bit
        seg.take(0, 18, 20, 0);       // the old CPU takes its own before MOVALL
        assertFound("has no raise of its own", check());
        seg.move(0, 10, 25);
        assertEquals(List.of(), check());
    }

    @Test
    void a_move_window_does_not_excuse_a_take_with_no_raise_at_all() {
        seg.raise(0, 1, 3, MAPPED);
        seg.move(0, 10, 25);
        seg.take(0, 15, 17, 1);
        seg.take(0, 18, 20, 0);
        assertFound("has no raise of its own", check());
    }

    @Test
    void a_take_after_the_move_uses_up_what_was_pending_at_both_cpus() {
        seg.raise(0, 1, 3, MAPPED);
        seg.raise(0, 12, 14, MAPPED);
        seg.move(0, 10, 25);
        seg.take(0, 30, 32, 1); // MOVALL merged both bits
        seg.take(0, 40, 42, 1);
        assertFound("has no raise of its own", check());
    }
}
