package gic.core;

/** Register offsets the tests use, declared once (GICD frame, RD_base frame, SGI_base frame). */
final class RegOffsets {

    static final long GICD_CTLR = 0x0000;
    static final long GICD_SETSPI_NSR = 0x0040;
    static final long GICD_CLRSPI_NSR = 0x0048;
    static final long GICD_IGROUPR = 0x0080;
    static final long GICD_ISENABLER = 0x0100;
    static final long GICD_ICENABLER = 0x0180;
    static final long GICD_ISPENDR = 0x0200;
    static final long GICD_ICPENDR = 0x0280;
    static final long GICD_ISACTIVER = 0x0300;
    static final long GICD_ICACTIVER = 0x0380;
    static final long GICD_IPRIORITYR = 0x0400;
    static final long GICD_ICFGR = 0x0C00;
    static final long GICD_IROUTER = 0x6000;

    static final long GICR_CTLR = 0x0000;
    static final long GICR_WAKER = 0x0014;
    static final long GICR_PROPBASER = 0x0070;
    static final long GICR_PENDBASER = 0x0078;
    /** GICR_PENDBASER.PTZ. */
    static final long PTZ = 1L << 62;

    static final long GICR_IGROUPR0 = 0x0080;
    static final long GICR_ISENABLER0 = 0x0100;
    static final long GICR_ISPENDR0 = 0x0200;
    static final long GICR_ISACTIVER0 = 0x0300;
    static final long GICR_IPRIORITYR = 0x0400;
    static final long GICR_ICFGR1 = 0x0C04;

    private RegOffsets() {
    }
}
