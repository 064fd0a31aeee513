package gic.core;

import gic.core.reg.RegisterTable;

/**
 * The CoreSight-style identification registers at 0xFFD0..0xFFFC of the GICD and GICR frames:
 * PIDR4..7, PIDR0..3, CIDR0..3. GICD_PIDR2/GICR_PIDR2 [7:4] ArchRev = 3 (GICv3), which is what Linux checks.
 */
public final class IdRegisters {

    /** PIDR4, PIDR5, PIDR6, PIDR7, PIDR0, PIDR1, PIDR2, PIDR3, CIDR0..3 (component ID 0xB105F00D). */
    private static final int[] IDS = {0x44, 0, 0, 0, 0x92, 0xB4, 0x3B, 0, 0x0D, 0xF0, 0x05, 0xB1};

    private IdRegisters() {
    }

    public static <T> void declare(RegisterTable<T> t) {
        t.array("PIDR/CIDR", 0xFFD0, IDS.length, 4, RegisterTable.W, (b, i) -> IDS[i], null);
    }
}
