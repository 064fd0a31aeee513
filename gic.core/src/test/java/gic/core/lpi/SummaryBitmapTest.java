package gic.core.lpi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The summary bitmap behind the LPI priority index agrees with a plain BitSet under random use. */
class SummaryBitmapTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 64, 65, 4096, 4097, 57_344, 1 << 20})
    void first_set_bit_matches_a_bitset_through_random_sets_and_clears(int bits) {
        SummaryBitmap s = new SummaryBitmap(bits);
        BitSet ref = new BitSet(bits);
        Random rnd = new Random(bits);
        for (int step = 0; step < 20_000; step++) {
            int i = rnd.nextInt(bits);
            if (rnd.nextBoolean()) {
                s.set(i);
                ref.set(i);
            } else {
                assertEquals(ref.get(i), s.clear(i), "clear reports whether the bit was set");
                ref.clear(i);
            }
            assertEquals(ref.nextSetBit(0), s.first());
            assertEquals(ref.isEmpty(), s.isEmpty());
        }
        for (int i = ref.nextSetBit(0); i >= 0; i = ref.nextSetBit(i + 1)) {
            s.clear(i);
        }
        assertEquals(-1, s.first());
    }
}
