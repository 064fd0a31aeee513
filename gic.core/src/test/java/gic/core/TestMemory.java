package gic.core;

import gic.api.GuestMemory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Guest RAM for tests: a byte array at a guest physical base address. Accesses that touch any byte
 * outside it are not performed, return {@code false} and are counted in {@link #outOfRange()}.
 * Every access is synchronized, so device and vCPU threads of a test may share it.
 */
public final class TestMemory implements GuestMemory {

    private final long base;
    private final byte[] ram;
    private final AtomicInteger outOfRange = new AtomicInteger();

    public TestMemory(long base, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive");
        }
        this.base = base;
        this.ram = new byte[size];
    }

    /** Guest physical address of the first byte of RAM. */
    public long base() {
        return base;
    }

    /** Bytes of RAM. */
    public int size() {
        return ram.length;
    }

    /** Number of attempted accesses (reads or writes) that touched a byte outside RAM. */
    public int outOfRange() {
        return outOfRange.get();
    }

    /** Whether {@code [address, address + length)} lies entirely in RAM. */
    public boolean inRange(long address, long length) {
        return length >= 0 && address >= base && length <= ram.length
            && address - base <= ram.length - length;
    }

    @Override
    public synchronized boolean read(long address, byte[] dst, int offset, int length) {
        if (!inRange(address, length) || offset < 0 || length > dst.length - offset) {
            outOfRange.incrementAndGet();
            return false;
        }
        System.arraycopy(ram, (int) (address - base), dst, offset, length);
        return true;
    }

    @Override
    public synchronized boolean write(long address, byte[] src, int offset, int length) {
        if (!inRange(address, length) || offset < 0 || length > src.length - offset) {
            outOfRange.incrementAndGet();
            return false;
        }
        System.arraycopy(src, offset, ram, (int) (address - base), length);
        return true;
    }

    /** Fills {@code length} bytes at {@code address} with {@code value}. */
    public synchronized void fill(long address, int length, int value) {
        if (!inRange(address, length)) {
            throw new IllegalArgumentException("fill outside test RAM");
        }
        int from = (int) (address - base);
        java.util.Arrays.fill(ram, from, from + length, (byte) value);
    }

    /** Reads one byte; throws if outside RAM (a test bug, not a guest error). */
    public synchronized int byteAt(long address) {
        if (!inRange(address, 1)) {
            throw new IllegalArgumentException("byteAt outside test RAM: 0x" + Long.toHexString(address));
        }
        return ram[(int) (address - base)] & 0xFF;
    }

    /** Writes one byte; throws if outside RAM (a test bug, not a guest error). */
    public synchronized void setByte(long address, int value) {
        if (!inRange(address, 1)) {
            throw new IllegalArgumentException("setByte outside test RAM: 0x" + Long.toHexString(address));
        }
        ram[(int) (address - base)] = (byte) value;
    }
}
