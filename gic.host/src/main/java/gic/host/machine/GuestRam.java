package gic.host.machine;

import gic.api.GuestMemory;
import java.util.Arrays;

/**
 * The guest's physical RAM: a byte array at a base address. An access that touches any byte outside it
 * (or a bad buffer range) is not performed and returns {@code false}; nothing here throws for guest input.
 * Accesses are serialised, so the GIC, the guest driver and the devices may share it.
 *
 * <p>It also holds the guest kernel's boot-time allocator ({@link #allocate}), because the tables the guest
 * places in RAM (LPI tables, ITS queue and tables) outlive any one GIC and any one driver.
 */
public final class GuestRam implements GuestMemory {

    private final long base;
    private final byte[] bytes;
    private long free; // guarded by this

    GuestRam(long base, int size) {
        if (base < 0 || size < 0 || base > Long.MAX_VALUE - size) {
            throw new IllegalArgumentException("bad RAM range");
        }
        this.base = base;
        this.bytes = new byte[size];
        this.free = base;
    }

    /** Guest physical address of the first byte. */
    public long base() {
        return base;
    }

    /** Bytes of RAM. */
    public int size() {
        return bytes.length;
    }

    /** Whether {@code [address, address + length)} lies in RAM (overflow-safe). */
    public boolean contains(long address, long length) {
        return length >= 0 && address >= base && length <= bytes.length && address - base <= bytes.length - length;
    }

    @Override
    public synchronized boolean read(long address, byte[] dst, int offset, int length) {
        if (dst == null || !contains(address, length) || offset < 0 || length > dst.length - offset) {
            return false;
        }
        System.arraycopy(bytes, (int) (address - base), dst, offset, length);
        return true;
    }

    @Override
    public synchronized boolean write(long address, byte[] src, int offset, int length) {
        if (src == null || !contains(address, length) || offset < 0 || length > src.length - offset) {
            return false;
        }
        System.arraycopy(src, offset, bytes, (int) (address - base), length);
        return true;
    }

    /** Sets {@code length} bytes at {@code address} to {@code value}; {@code false} if outside RAM. */
    synchronized boolean fill(long address, long length, int value) {
        if (!contains(address, length)) {
            return false;
        }
        int from = (int) (address - base);
        Arrays.fill(bytes, from, from + (int) length, (byte) value);
        return true;
    }

    /**
     * The guest kernel's boot allocator: {@code length} zeroed bytes aligned to {@code align} (a power of
     * two), never freed.
     *
     * @throws IllegalStateException if RAM is exhausted (the machine is too small for its configuration)
     */
    synchronized long allocate(long length, long align) {
        long at = (free + align - 1) & -align;
        if (length < 0 || at < free || !contains(at, length)) {
            throw new IllegalStateException("guest RAM exhausted: " + length + " bytes wanted at 0x"
                + Long.toHexString(at) + ", RAM ends at 0x" + Long.toHexString(base + bytes.length));
        }
        free = at + length;
        fill(at, length, 0);
        return at;
    }
}
