package gic.directlpi.impl.fuzz;

import gic.api.DirectLpi;
import gic.api.GicConfig;
import gic.api.GicProvider;
import gic.api.ItsConfig;
import gic.api.LpiRange;
import gic.api.MmioRegion;
import gic.core.fuzz.GuestFuzzer;
import gic.directlpi.impl.DirectLpiGicProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@link GuestFuzzer} for the DirectLPI provider: besides the core's operations, the redistributors'
 * GICR_SETLPIR, GICR_CLRLPIR, GICR_INVLPIR, GICR_INVALLR and GICR_SYNCR at every width (64-bit, either
 * 32-bit half, bytes), with INTIDs inside and at the edges of each CPU's LPI range and beyond, V = 1 and
 * RES0 bits set; device MSIs at every doorbell (and next to it) with random sizes and DeviceIDs; and the
 * host's retargeting and isolation calls in between.
 */
final class DirectLpiFuzzer extends GuestFuzzer {

    private static final long SETLPIR = 0x40;
    private static final long CLRLPIR = 0x48;
    private static final long INVLPIR = 0xA0;
    private static final long INVALLR = 0xB0;
    private static final long SYNCR = 0xC0;
    private static final long[] REGISTERS = {SETLPIR, CLRLPIR, INVLPIR, INVALLR, SYNCR};

    private final DirectLpiGicProvider provider = new DirectLpiGicProvider();
    private final int isolationRanges = 16;

    private DirectLpiFuzzer(long seed, boolean hostile, GicConfig config) {
        super(seed, hostile, config, ramFor(config));
        op("DirectLPI registers", 24, this::directRegisters);
        op("doorbell MSIs", 22, this::doorbell);
        op("retarget", 3, this::retarget);
        op("isolation", 1, this::isolation);
    }

    /** A fuzzer whose configuration comes from {@code seed}; the ITSes it lists are only carried. */
    static DirectLpiFuzzer of(long seed, boolean hostile) {
        SplittableRandom r = new SplittableRandom(seed);
        List<ItsConfig> carried = r.nextInt(4) == 0
            ? List.of(new ItsConfig(GicConfig.VIRT_ITS_BASE, 1 + r.nextInt(20), 1 + r.nextInt(16), r.nextBoolean()))
            : List.of();
        return new DirectLpiFuzzer(seed, hostile, randomConfig(r, carried));
    }

    @Override
    protected GicProvider provider() {
        return provider;
    }

    @Override
    protected List<Long> doorbells() {
        List<Long> out = new ArrayList<>();
        for (int c = 0; c < config.cpuCount(); c++) {
            out.add(config.redistributorBase() + c * GicConfig.REDISTRIBUTOR_STRIDE + SETLPIR);
        }
        return out;
    }

    @Override
    protected long retainedExtra() {
        return isolationRanges * 64L + (8 << 10); // the isolation policy this fuzzer installs at most
    }

    /** An INTID for a DirectLPI register: mostly LPIs in range, also its edges, beyond, and junk. */
    private long lpiValue() {
        long limit = 1L << config.lpiIdBits();
        long v = switch (rng.nextInt(10)) {
            case 0 -> limit - 1 - rng.nextInt(2);
            case 1 -> limit + rng.nextInt(2);
            case 2 -> 8191 - rng.nextInt(2);
            case 3 -> anyIntid() & 0xFFFF_FFFFL;
            case 4 -> anyLong();
            default -> 8192 + rng.nextInt(128);
        };
        if (chance(10)) {
            v |= anyLong() & 0xFFFF_FFFF_0000_0000L; // RES0 (and, for INV*, V and vPEID)
        }
        return v;
    }

    private void directRegisters() {
        MmioRegion gicr = gic.regionAt(config.redistributorBase());
        int cpu = anyCpu();
        long reg = REGISTERS[rng.nextInt(REGISTERS.length)];
        long at = cpu * GicConfig.REDISTRIBUTOR_STRIDE + reg;
        if (chance(10)) {
            read(gicr, at + (chance(80) ? 0 : pick(4, 1, 2)), anySize());
            return;
        }
        long v = reg == INVALLR && chance(70) ? (chance(90) ? 0 : 1L << 63) : lpiValue();
        switch (rng.nextInt(10)) {
            case 0 -> write(gicr, at + 4, 4, v >>> 32); // the upper half alone
            case 1 -> write(gicr, at, pick(1, 2), v);
            case 2, 3, 4 -> write(gicr, at, 4, v & 0xFFFF_FFFFL);
            default -> write(gicr, at, 8, v);
        }
        if (chance(20)) {
            read(gicr, cpu * GicConfig.REDISTRIBUTOR_STRIDE + SYNCR, 4);
        }
    }

    private void doorbell() {
        int cpu = anyCpu();
        long address = config.redistributorBase() + cpu * GicConfig.REDISTRIBUTOR_STRIDE + SETLPIR;
        if (chance(5)) {
            address += pick(4, -8, 8, 0x10000, -0x40, GicConfig.REDISTRIBUTOR_STRIDE * config.cpuCount());
        }
        int size = chance(85) ? pick(4, 4, 8) : pick(1, 2, 0, 3, 16);
        int device = chance(80) ? rng.nextInt(32) : (int) anyLong();
        msi(address, size, lpiValue(), device);
    }

    private void retarget() {
        DirectLpi d = gic.directLpi().orElseThrow();
        int intid = (int) lpiValue();
        int from = anyCpu();
        int to = anyCpu();
        long[] bell = new long[1];
        device(() -> String.format("retarget %d from CPU%d to CPU%d", intid, from, to),
            () -> d.retarget(intid, from, to, a -> bell[0] = a));
    }

    /** The host switches isolation on (with a few ranges for a few DeviceIDs) or off. */
    private void isolation() {
        DirectLpi d = gic.directLpi().orElseThrow();
        if (chance(70)) {
            device(() -> "isolation off", d::isolationOff);
            return;
        }
        List<LpiRange> ranges = new ArrayList<>();
        for (int i = 0; i < rng.nextInt(isolationRanges + 1); i++) {
            int first = 8192 + rng.nextInt(256);
            ranges.add(new LpiRange(rng.nextInt(32), first, first + rng.nextInt(64)));
        }
        device(() -> "isolate " + ranges, () -> d.isolate(ranges));
    }

    @Override
    public String describe() {
        return config + (hostile ? " hostile" : " benign");
    }
}
