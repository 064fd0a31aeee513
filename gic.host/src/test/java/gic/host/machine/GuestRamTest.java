package gic.host.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Guest RAM: bounds, never an exception for a bad access, and the boot allocator. */
class GuestRamTest {

    private static final long BASE = 0x4000_0000L;
    private final GuestRam ram = new GuestRam(BASE, 0x1_0000);

    @Test
    void values_are_little_endian_at_guest_physical_addresses() {
        assertTrue(ram.store(BASE + 8, 4, 0x1122_3344L));
        assertEquals(OptionalLong.of(0x44), ram.load(BASE + 8, 1));
        assertEquals(OptionalLong.of(0x1122_3344L), ram.load(BASE + 8, 8));
    }

    @Test
    void an_access_touching_any_byte_outside_ram_is_refused_without_an_exception() {
        byte[] b = new byte[16];
        assertFalse(ram.read(BASE - 1, b, 0, 2));
        assertFalse(ram.read(BASE + 0xFFF9, b, 0, 8));
        assertTrue(ram.read(BASE + 0xFFF8, b, 0, 8));
        assertFalse(ram.write(Long.MAX_VALUE - 2, b, 0, 8), "no overflow into RAM");
        assertFalse(ram.write(Long.MIN_VALUE, b, 0, 8));
        assertFalse(ram.read(BASE, b, 12, 8), "buffer too short");
        assertFalse(ram.read(BASE, b, -1, 4));
        assertFalse(ram.read(BASE, b, 0, -1));
        assertFalse(ram.read(BASE, null, 0, 1));
        assertArrayEquals(new byte[16], b);
        assertFalse(ram.store(BASE, 3, 1), "bad size");
    }

    @Test
    void the_allocator_hands_out_aligned_zeroed_ram_until_it_runs_out() {
        assertTrue(ram.store(BASE + 0x1000, 8, -1));
        long a = ram.allocate(0x10, 0x10);
        long b = ram.allocate(0x2000, 0x1000);
        assertEquals(BASE, a);
        assertEquals(BASE + 0x1000, b);
        assertEquals(OptionalLong.of(0), ram.load(b, 8), "zeroed");
        assertThrows(IllegalStateException.class, () -> ram.allocate(0x1_0000, 0x1000));
    }
}
