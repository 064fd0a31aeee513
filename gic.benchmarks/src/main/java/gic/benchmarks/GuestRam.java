package gic.benchmarks;

import gic.api.GuestMemory;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * Guest RAM for the benchmarks: one {@code byte[]} at a guest physical base. {@link #load} and
 * {@link #store} are overridden with allocation-free little-endian accesses, as a real emulator's
 * memory port would be, so that a benchmark measures the GIC and not the port's default methods.
 */
final class GuestRam implements GuestMemory {

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private final long base;
    private final byte[] ram;

    GuestRam(long base, int size) {
        this.base = base;
        this.ram = new byte[size];
    }

    long base() {
        return base;
    }

    /** Offset of [{@code address}, +{@code length}) in {@link #ram}, or -1 if any byte is outside RAM. */
    private int offset(long address, int length) {
        long off = address - base;
        return off >= 0 && length >= 0 && off <= ram.length - length ? (int) off : -1;
    }

    @Override
    public boolean read(long address, byte[] dst, int offset, int length) {
        int off = offset(address, length);
        if (off < 0) {
            return false;
        }
        System.arraycopy(ram, off, dst, offset, length);
        return true;
    }

    @Override
    public boolean write(long address, byte[] src, int offset, int length) {
        int off = offset(address, length);
        if (off < 0) {
            return false;
        }
        System.arraycopy(src, offset, ram, off, length);
        return true;
    }

    @Override
    public OptionalLong load(long address, int size) {
        int off = offset(address, size);
        if (off < 0) {
            return OptionalLong.empty();
        }
        return switch (size) {
            case 1 -> OptionalLong.of(ram[off] & 0xFFL);
            case 2 -> OptionalLong.of((short) SHORT.get(ram, off) & 0xFFFFL);
            case 4 -> OptionalLong.of((int) INT.get(ram, off) & 0xFFFF_FFFFL);
            case 8 -> OptionalLong.of((long) LONG.get(ram, off));
            default -> OptionalLong.empty();
        };
    }

    @Override
    public boolean store(long address, int size, long value) {
        int off = offset(address, size);
        if (off < 0) {
            return false;
        }
        switch (size) {
            case 1 -> ram[off] = (byte) value;
            case 2 -> SHORT.set(ram, off, (short) value);
            case 4 -> INT.set(ram, off, (int) value);
            case 8 -> LONG.set(ram, off, value);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Sets {@code length} bytes at {@code address} to {@code value} (setup only). */
    void fill(long address, int length, int value) {
        int off = offset(address, length);
        if (off < 0) {
            throw new IllegalArgumentException("outside RAM: 0x" + Long.toHexString(address));
        }
        Arrays.fill(ram, off, off + length, (byte) value);
    }
}
