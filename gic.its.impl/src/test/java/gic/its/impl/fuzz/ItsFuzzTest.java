package gic.its.impl.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.core.fuzz.FuzzCampaign;
import gic.core.fuzz.FuzzSettings;
import gic.core.fuzz.FuzzStats;
import org.junit.jupiter.api.Test;

/**
 * Hostile guests against the ITS provider: the quick run of the normal suite (fixed seeds, 500,000
 * operations) or, with {@code -Dgic.fuzz.ops=N [-Dgic.fuzz.seed=S]}, the long mode. See {@link ItsFuzzer}
 * and {@link gic.core.fuzz.GuestFuzzer} for the operations and the invariants.
 */
class ItsFuzzTest {

    static final long[] QUICK_SEEDS = {1, 2, 3, 4, 5, 6, 7, 8};
    static final long QUICK_OPS = Long.getLong("gic.fuzz.quickOps", 62_500);

    @Test
    void no_guest_crashes_the_host_escapes_ram_or_the_work_bound_or_breaks_a_snapshot() {
        FuzzStats total = FuzzCampaign.run("ITS", FuzzSettings.fromSystemProperties(QUICK_SEEDS, QUICK_OPS),
            ItsFuzzer::of, s -> String.format("ITS commands %,d (errors %,d, stalls %,d), MSIs %,d (dropped %,d:"
                    + " device %,d, event %,d, collection %,d, memory %,d)", s.counter(".command"),
                s.counter(".commandError"), s.counter(".stall"), s.counter(".msi"), s.counter(".msi.dropped"),
                s.counter(".dropped.device"), s.counter(".dropped.event"), s.counter(".dropped.collection"),
                s.counter(".dropped.memory")));
        assertTrue(total.counter(".command") > 0 && total.counter(".msi") > 0, "the ITSes were exercised");
    }
}
