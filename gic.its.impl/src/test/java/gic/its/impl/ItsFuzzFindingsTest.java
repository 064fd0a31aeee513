package gic.its.impl;

import static gic.core.TestGic.host;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import gic.api.GicSnapshot;
import gic.core.GicCore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the hostile-guest fuzzer ({@code gic.its.impl.fuzz.ItsFuzzTest}) found in the ITS provider, one
 * test per finding, each the smallest guest sequence that showed it.
 */
class ItsFuzzFindingsTest {

    private GicCore gic;
    private GicCore restored;

    @AfterEach
    void close() {
        if (gic != null) {
            gic.close();
        }
        if (restored != null) {
            restored.close();
        }
    }

    /**
     * Found by seed 1000003: an enabled ITS whose GITS_CBASER is not Valid, with GITS_CWRITER written past
     * GITS_CREADR, runs nothing and reads Quiescent = 1; its restored copy read Quiescent = 0 (it took the
     * unread commands for a backlog of the work bound), so snapshot → restore → snapshot differed.
     */
    @Test
    void a_queue_that_cannot_run_restores_as_quiescent_and_snapshots_the_same() {
        gic = machine(1).lenient().create(new ItsGicProvider());
        ItsDriver its = new ItsDriver(gic, 0).bringUp();
        its.disable();
        its.write64(GITS_CBASER, its.queue | 15); // the same queue, Valid = 0
        its.enable();
        its.write64(GITS_CWRITER, 0x180);
        assertEquals(CTLR_QUIESCENT | CTLR_ENABLED, its.read32(GITS_CTLR));
        byte[] before = gic.snapshot().toBytes();

        restored = (GicCore) new ItsGicProvider().restore(GicSnapshot.fromBytes(before), host(gic));

        assertArrayEquals(before, restored.snapshot().toBytes());
        assertEquals(CTLR_QUIESCENT | CTLR_ENABLED, new ItsDriver(restored, 0).read32(GITS_CTLR));
    }
}
