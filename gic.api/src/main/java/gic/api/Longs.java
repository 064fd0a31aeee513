package gic.api;

import java.util.Arrays;

/** An immutable sequence of {@code long}s with value equality; the array type of {@link GicSnapshot}. */
public final class Longs {

    /** The empty sequence. */
    public static final Longs EMPTY = new Longs(new long[0]);

    private final long[] values;

    private Longs(long[] values) {
        this.values = values;
    }

    /** A sequence holding a copy of {@code values}. */
    public static Longs of(long... values) {
        return values.length == 0 ? EMPTY : new Longs(values.clone());
    }

    /** A sequence holding the given ints, zero-extended. */
    public static Longs ofUnsigned(int[] values) {
        long[] v = new long[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i] & 0xFFFF_FFFFL;
        }
        return new Longs(v);
    }

    public int size() {
        return values.length;
    }

    public long get(int index) {
        return values[index];
    }

    /** A copy of the values. */
    public long[] toArray() {
        return values.clone();
    }

    /** A copy of the values truncated to ints. */
    public int[] toIntArray() {
        int[] v = new int[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (int) values[i];
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Longs l && Arrays.equals(values, l.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return values.length <= 16 ? Arrays.toString(values) : "Longs[" + values.length + "]";
    }
}
