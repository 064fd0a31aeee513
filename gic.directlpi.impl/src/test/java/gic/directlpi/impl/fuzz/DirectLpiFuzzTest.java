package gic.directlpi.impl.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.core.fuzz.FuzzCampaign;
import gic.core.fuzz.FuzzSettings;
import gic.core.fuzz.FuzzStats;
import org.junit.jupiter.api.Test;

/**
 * Hostile guests against the DirectLPI provider: the quick run of the normal suite (fixed seeds, 500,000
 * operations) or, with {@code -Dgic.fuzz.ops=N [-Dgic.fuzz.seed=S]}, the long mode. See
 * {@link DirectLpiFuzzer} and {@link gic.core.fuzz.GuestFuzzer} for the operations and the invariants.
 */
class DirectLpiFuzzTest {

    static final long[] QUICK_SEEDS = {1, 2, 3, 4, 5};
    static final long QUICK_OPS = Long.getLong("gic.fuzz.quickOps", 100_000);

    @Test
    void no_guest_crashes_the_host_escapes_ram_or_the_work_bound_or_breaks_a_snapshot() {
        FuzzStats total = FuzzCampaign.run("DirectLPI", FuzzSettings.fromSystemProperties(QUICK_SEEDS, QUICK_OPS),
            DirectLpiFuzzer::of, s -> String.format("doorbell MSIs %,d (coalesced %,d, dropped %,d), SETLPIR %,d,"
                    + " CLRLPIR %,d, INVLPIR %,d, INVALLR %,d, retargets %,d (moved %,d)", s.counter("directlpi.msi"),
                s.counter("directlpi.msi.coalesced"), s.counter(".msi.dropped.isolation")
                    + s.counter(".msi.dropped.lpisDisabled") + s.counter(".msi.dropped.outOfRange")
                    + s.counter(".msi.dropped.badSize"), s.counter("directlpi.setlpir"),
                s.counter("directlpi.clrlpir"), s.counter("directlpi.invlpir"), s.counter("directlpi.invallr"),
                s.counter("directlpi.retarget"), s.counter("directlpi.retarget.moved")));
        assertTrue(total.counter("directlpi.msi") > 0 && total.counter("directlpi.setlpir") > 0,
            "the DirectLPI registers and doorbells were exercised");
    }
}
