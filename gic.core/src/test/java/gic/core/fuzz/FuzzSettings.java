package gic.core.fuzz;

/**
 * How much to fuzz. The normal test suite runs a fixed list of seeds with a fixed number of operations
 * each (the quick run). {@code -Dgic.fuzz.ops=N} switches to the long mode: {@code N} operations in
 * total, from seed {@code -Dgic.fuzz.seed=S} (default 1) on, one fresh GIC per seed of at most
 * {@link #OPS_PER_GIC} operations. A failure names its seed and step; rerunning with that seed and
 * {@code ops} = step + 1 replays it exactly.
 *
 * @param seeds      the seeds, one GIC each
 * @param opsPerSeed operations per seed (the last seed may run fewer in long mode)
 * @param total      operations in all
 */
public record FuzzSettings(long[] seeds, long opsPerSeed, long total) {

    /** System property: total operations (long mode). */
    public static final String OPS = "gic.fuzz.ops";
    /** System property: first seed. */
    public static final String SEED = "gic.fuzz.seed";
    /** Operations one GIC instance runs at most in long mode before the next seed starts afresh. */
    public static final long OPS_PER_GIC = 250_000;

    /** The quick run ({@code quickSeeds} × {@code quickOps}) unless {@code -Dgic.fuzz.ops} asks for more. */
    public static FuzzSettings fromSystemProperties(long[] quickSeeds, long quickOps) {
        String ops = System.getProperty(OPS);
        String seed = System.getProperty(SEED);
        if (ops == null || ops.isBlank()) {
            if (seed != null && !seed.isBlank()) {
                return new FuzzSettings(new long[] {Long.decode(seed.trim())}, quickOps, quickOps);
            }
            return new FuzzSettings(quickSeeds.clone(), quickOps, quickOps * quickSeeds.length);
        }
        long total = Long.parseLong(ops.trim().replace("_", ""));
        long first = seed == null || seed.isBlank() ? 1 : Long.decode(seed.trim());
        int n = (int) Math.max(1, (total + OPS_PER_GIC - 1) / OPS_PER_GIC);
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) {
            seeds[i] = first + i;
        }
        return new FuzzSettings(seeds, Math.min(total, OPS_PER_GIC), total);
    }

    /** Operations for the {@code i}-th seed. */
    public long opsFor(int i) {
        return Math.min(opsPerSeed, total - i * opsPerSeed);
    }

    /** Whether this is the long mode (a property asked for it). */
    public boolean longMode() {
        return System.getProperty(OPS) != null;
    }
}
