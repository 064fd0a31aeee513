package gic.api;

import java.util.OptionalLong;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The guest's physical memory, as the host emulator exposes it to the GIC. The GIC never touches
 * guest RAM any other way: LPI property and pending tables, ITS command queues and ITS tables are all
 * read and written through this port.
 *
 * <p>All multi-byte values are little-endian. An access that touches any byte outside guest RAM is
 * not performed and reports failure as a return value; implementations must never throw for it.
 * Implementations must be thread-safe.
 */
@ConsumerType
public interface GuestMemory {

    /**
     * Copies {@code length} bytes at guest physical {@code address} into {@code dst}.
     *
     * @return {@code true} if all bytes lay in RAM and were copied, {@code false} if nothing was read
     */
    boolean read(long address, byte[] dst, int offset, int length);

    /**
     * Copies {@code length} bytes from {@code src} to guest physical {@code address}.
     *
     * @return {@code true} if all bytes lay in RAM and were written, {@code false} if nothing was written
     */
    boolean write(long address, byte[] src, int offset, int length);

    /**
     * Reads a little-endian value of 1, 2, 4 or 8 bytes.
     *
     * @return the zero-extended value, or empty if the access falls outside RAM or the size is invalid
     */
    default OptionalLong load(long address, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            return OptionalLong.empty();
        }
        byte[] b = new byte[size];
        if (!read(address, b, 0, size)) {
            return OptionalLong.empty();
        }
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return OptionalLong.of(v);
    }

    /**
     * Writes the low {@code size} (1, 2, 4 or 8) bytes of {@code value}, little-endian.
     *
     * @return {@code true} if written, {@code false} if outside RAM or the size is invalid
     */
    default boolean store(long address, int size, long value) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            return false;
        }
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        return write(address, b, 0, size);
    }
}
