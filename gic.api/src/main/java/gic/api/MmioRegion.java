package gic.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One contiguous guest-physical MMIO window of the GIC (the distributor, the redistributors, an ITS).
 * The host maps it at {@link #base()} and forwards accesses with an offset relative to the base.
 *
 * <p>Accesses of sizes the architecture does not allow for a register, or to reserved offsets, get the
 * architecture's answer (read as zero, write ignored) and are counted as guest errors; they never throw.
 */
@ProviderType
public interface MmioRegion {

    /** A short name such as {@code GICD}, {@code GICR} or {@code GITS0}. */
    String name();

    /** Guest physical base address. */
    long base();

    /** Size in bytes. */
    long size();

    /** Reads {@code size} (1, 2, 4 or 8) bytes at {@code offset}; the value is zero-extended. */
    long read(long offset, int size);

    /** Writes the low {@code size} (1, 2, 4 or 8) bytes of {@code value} at {@code offset}. */
    void write(long offset, int size, long value);

    /** Whether {@code address} falls in this region. */
    default boolean contains(long address) {
        return address - base() >= 0 && address - base() < size();
    }
}
