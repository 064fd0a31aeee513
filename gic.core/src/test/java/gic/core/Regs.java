package gic.core;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.MmioRegion;
import java.util.Map;

/**
 * MMIO shorthands for tests, by guest physical address through {@link Gic#regionAt(long)}.
 *
 * <p>Three-argument {@code gicd(g, off, v)} and four-argument {@code gicr/sgi(g, cpu, off, v)} are
 * 32-bit writes. Accesses of another size have their own names ({@code gicdRead(g, off, size)},
 * {@code gicd(g, off, size, v)}, ...), deliberately: an overload {@code gicd(Gic, long, int size)}
 * would silently turn {@code gicd(g, off, 1)} into a read instead of a write of 1.
 */
public final class Regs {

    private Regs() {
    }

    // ---- generic

    /** Reads {@code size} bytes at guest physical {@code address}. */
    public static long read(Gic g, long address, int size) {
        MmioRegion r = region(g, address);
        return r.read(address - r.base(), size);
    }

    /** Writes {@code size} bytes at guest physical {@code address}. */
    public static void write(Gic g, long address, int size, long value) {
        MmioRegion r = region(g, address);
        r.write(address - r.base(), size, value);
    }

    private static MmioRegion region(Gic g, long address) {
        MmioRegion r = g.regionAt(address);
        if (r == null) {
            throw new AssertionError("no GIC region at 0x" + Long.toHexString(address));
        }
        return r;
    }

    // ---- GICD

    /** 32-bit read of the distributor register at {@code off}. */
    public static long gicd(Gic g, long off) {
        return gicdRead(g, off, 4);
    }

    /** 32-bit write of the distributor register at {@code off}. */
    public static void gicd(Gic g, long off, long v) {
        gicd(g, off, 4, v);
    }

    /** Read of {@code size} bytes of the distributor at {@code off}. */
    public static long gicdRead(Gic g, long off, int size) {
        return read(g, g.config().distributorBase() + off, size);
    }

    /** Write of {@code size} bytes of the distributor at {@code off}. */
    public static void gicd(Gic g, long off, int size, long v) {
        write(g, g.config().distributorBase() + off, size, v);
    }

    // ---- GICR RD_base

    /** Guest physical address of CPU {@code cpu}'s RD_base frame. */
    public static long rdBase(Gic g, int cpu) {
        return g.config().redistributorBase() + GicConfig.REDISTRIBUTOR_STRIDE * cpu;
    }

    /** Guest physical address of CPU {@code cpu}'s SGI_base frame. */
    public static long sgiBase(Gic g, int cpu) {
        return rdBase(g, cpu) + 0x1_0000L;
    }

    /** 32-bit read of CPU {@code cpu}'s RD_base register at {@code off}. */
    public static long gicr(Gic g, int cpu, long off) {
        return gicrRead(g, cpu, off, 4);
    }

    /** 32-bit write of CPU {@code cpu}'s RD_base register at {@code off}. */
    public static void gicr(Gic g, int cpu, long off, long v) {
        gicr(g, cpu, off, 4, v);
    }

    /** Read of {@code size} bytes of CPU {@code cpu}'s RD_base frame at {@code off}. */
    public static long gicrRead(Gic g, int cpu, long off, int size) {
        return read(g, rdBase(g, cpu) + off, size);
    }

    /** Write of {@code size} bytes of CPU {@code cpu}'s RD_base frame at {@code off}. */
    public static void gicr(Gic g, int cpu, long off, int size, long v) {
        write(g, rdBase(g, cpu) + off, size, v);
    }

    // ---- GICR SGI_base

    /** 32-bit read of CPU {@code cpu}'s SGI_base register at {@code off}. */
    public static long sgi(Gic g, int cpu, long off) {
        return sgiRead(g, cpu, off, 4);
    }

    /** 32-bit write of CPU {@code cpu}'s SGI_base register at {@code off}. */
    public static void sgi(Gic g, int cpu, long off, long v) {
        sgi(g, cpu, off, 4, v);
    }

    /** Read of {@code size} bytes of CPU {@code cpu}'s SGI_base frame at {@code off}. */
    public static long sgiRead(Gic g, int cpu, long off, int size) {
        return read(g, sgiBase(g, cpu) + off, size);
    }

    /** Write of {@code size} bytes of CPU {@code cpu}'s SGI_base frame at {@code off}. */
    public static void sgi(Gic g, int cpu, long off, int size, long v) {
        write(g, sgiBase(g, cpu) + off, size, v);
    }

    // ---- counters

    /**
     * Guest errors counted so far: the largest counter whose name contains {@code guestError} (the
     * total, when the model keeps a total next to per-block counters).
     */
    public static long guestErrorCount(Gic g) {
        long n = 0;
        for (Map.Entry<String, Long> e : g.counters().entrySet()) {
            if (e.getKey().contains("guestError")) {
                n = Math.max(n, e.getValue());
            }
        }
        return n;
    }
}
