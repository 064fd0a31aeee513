package gic.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The test fixtures themselves: bounds of {@link TestMemory}, strict and lenient {@link TestHost}. */
class TestFixturesTest {

    static final long BASE = 0x4000_0000L;

    @Test
    void memory_reads_back_little_endian_values_inside_ram() {
        TestMemory m = new TestMemory(BASE, 0x1000);
        assertTrue(m.store(BASE + 8, 8, 0x1122_3344_5566_7788L));
        assertEquals(OptionalLong.of(0x1122_3344_5566_7788L), m.load(BASE + 8, 8));
        assertEquals(0x88, m.byteAt(BASE + 8));
        assertEquals(OptionalLong.of(0x5566_7788L), m.load(BASE + 8, 4));
        assertEquals(0, m.outOfRange());
    }

    @Test
    void memory_refuses_and_counts_accesses_touching_bytes_outside_ram() {
        TestMemory m = new TestMemory(BASE, 0x1000);
        byte[] b = new byte[8];
        assertFalse(m.read(BASE - 1, b, 0, 2));
        assertFalse(m.read(BASE + 0xFFC, b, 0, 8), "straddles the end");
        assertFalse(m.write(BASE + 0x1000, b, 0, 1));
        assertFalse(m.write(Long.MAX_VALUE, b, 0, 8));
        assertFalse(m.store(-8, 8, 1));
        assertEquals(5, m.outOfRange());
        assertTrue(m.read(BASE + 0xFF8, b, 0, 8), "last 8 bytes are RAM");
        assertArrayEquals(new byte[8], b);
    }

    @Test
    void strict_host_throws_on_guest_error_and_lenient_host_records_it() {
        TestHost strict = new TestHost(BASE, 0x1000);
        AssertionError e = assertThrows(AssertionError.class, () -> strict.guestError("GICD", "bad offset"));
        assertTrue(e.getMessage().contains("bad offset"));
        TestHost lenient = TestHost.lenient(BASE, 0x1000);
        lenient.guestError("GICR0", "bad width");
        assertEquals(List.of("GICR0: bad width"), lenient.guestErrors());
    }

    @Test
    void host_counts_rising_edges_of_irq_only() {
        TestHost h = new TestHost(BASE, 0x1000);
        h.setIrq(3, true);
        h.setIrq(3, true);
        h.setIrq(3, false);
        h.setIrq(3, true);
        assertTrue(h.irq(3));
        assertEquals(2, h.irqRaises(3));
        assertFalse(h.fiq(3));
        assertEquals(0, h.irqRaises(0));
        assertEquals(BASE, h.mem().base());
    }
}
