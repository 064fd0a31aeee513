package gic.core.reg;

/**
 * A named bit field of a register or command word, declared once by position and width
 * (in the spirit of QEMU's {@code FIELD()}): behaviour extracts and deposits by name.
 */
public record Field(String name, int shift, int width) {

    public Field {
        if (shift < 0 || width < 1 || shift + width > 64) {
            throw new IllegalArgumentException(name);
        }
    }

    /** The field's bits in place. */
    public long mask() {
        return (width == 64 ? -1L : (1L << width) - 1) << shift;
    }

    /** The field's value in {@code reg}. */
    public long get(long reg) {
        return (reg & mask()) >>> shift;
    }

    /** The field's value in {@code reg}, as an int. */
    public int getInt(long reg) {
        return (int) get(reg);
    }

    /** {@code reg} with the field set to {@code value} (truncated to the width). */
    public long set(long reg, long value) {
        return (reg & ~mask()) | ((value << shift) & mask());
    }

    /** Just the field set to {@code value}. */
    public long of(long value) {
        return set(0, value);
    }

    /** Whether a one-bit field is set in {@code reg}. */
    public boolean isSet(long reg) {
        return (reg & mask()) != 0;
    }
}
