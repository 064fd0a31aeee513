package gic.host.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.host.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ledger's rules, as Verdict states them. */
class LedgerTest {

    private static final int LPI = MachineConfig.FIRST_LPI + 3;
    private final Ledger ledger = new Ledger(2, 64, 8);

    @Test
    void raises_that_coalesce_before_one_take_are_fine() {
        ledger.raise(-1, LPI);
        ledger.raise(-1, LPI);
        ledger.raise(-1, LPI);
        ledger.take(0, LPI);
        Verdict v = ledger.check(List.of());
        assertTrue(v.ok(), v.toString());
        assertEquals(3, v.raised());
        assertEquals(1, v.taken());
    }

    @Test
    void a_last_raise_never_taken_is_lost() {
        ledger.raise(-1, 40);
        ledger.take(1, 40);
        ledger.raise(-1, 40);
        Verdict v = ledger.check(List.of());
        assertFalse(v.ok());
        assertEquals(1, v.lost());
        assertEquals(List.of("SPI 40 lost: its last raise was never taken (raised 2, taken 1)"), v.problems());
    }

    @Test
    void more_takes_than_raises_is_doubled() {
        ledger.raise(-1, LPI);
        ledger.take(0, LPI);
        ledger.take(0, LPI);
        Verdict v = ledger.check(List.of());
        assertFalse(v.ok());
        assertEquals(1, v.doubled());
        assertEquals(0, v.lost());
    }

    @Test
    void a_take_of_an_interrupt_no_source_raises_is_doubled() {
        ledger.take(1, MachineConfig.FIRST_LPI + 100);
        Verdict v = ledger.check(List.of());
        assertFalse(v.ok());
        assertEquals(1, v.doubled());
        assertEquals(1, v.taken());
    }

    @Test
    void ppis_are_counted_per_cpu() {
        ledger.raise(0, 30);
        ledger.raise(1, 30);
        ledger.take(0, 30);
        Verdict v = ledger.check(List.of());
        assertEquals(1, v.lost());
        assertEquals(List.of("PPI 30 of CPU 1 lost: its last raise was never taken (raised 1, taken 0)"), v.problems());
        assertEquals(1, ledger.taken(0, 30));
        assertEquals(0, ledger.taken(1, 30));
    }

    @Test
    void a_retired_pending_interrupt_is_not_lost() {
        ledger.raise(-1, LPI);
        ledger.retire(0, LPI);
        assertTrue(ledger.check(List.of()).ok());
    }

    @Test
    void a_swap_mismatch_or_another_problem_fails_the_verdict() {
        assertTrue(ledger.check(List.of()).ok());
        assertFalse(ledger.check(List.of("left pending: SPI 48")).ok());
        ledger.swapMismatch("swap its -> directlpi: pending state changed");
        Verdict v = ledger.check(List.of());
        assertFalse(v.ok());
        assertEquals(1, v.swapMismatches());
    }

    @Test
    void a_source_without_a_ledger_entry_is_a_bug() {
        assertThrows(IllegalArgumentException.class, () -> ledger.raise(-1, MachineConfig.FIRST_LPI + 8));
        assertThrows(IllegalArgumentException.class, () -> ledger.raise(2, 30));
        assertFalse(ledger.tracks(-1, 32 + 64));
    }
}
