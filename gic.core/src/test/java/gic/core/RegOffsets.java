package gic.core;

/** Register offsets the tests use, declared once (GICD frame, RD_base frame, SGI_base frame). */
public final class RegOffsets {

    public static final long GICD_CTLR = 0x0000;
    public static final long GICD_SETSPI_NSR = 0x0040;
    public static final long GICD_CLRSPI_NSR = 0x0048;
    public static final long GICD_IGROUPR = 0x0080;
    public static final long GICD_ISENABLER = 0x0100;
    public static final long GICD_ICENABLER = 0x0180;
    public static final long GICD_ISPENDR = 0x0200;
    public static final long GICD_ICPENDR = 0x0280;
    public static final long GICD_ISACTIVER = 0x0300;
    public static final long GICD_ICACTIVER = 0x0380;
    public static final long GICD_IPRIORITYR = 0x0400;
    public static final long GICD_ICFGR = 0x0C00;
    public static final long GICD_IROUTER = 0x6000;

    public static final long GICR_CTLR = 0x0000;
    public static final long GICR_WAKER = 0x0014;
    public static final long GICR_PROPBASER = 0x0070;
    public static final long GICR_PENDBASER = 0x0078;
    /** GICR_PENDBASER.PTZ. */
    public static final long PTZ = 1L << 62;

    public static final long GICR_IGROUPR0 = 0x0080;
    public static final long GICR_ISENABLER0 = 0x0100;
    public static final long GICR_ISPENDR0 = 0x0200;
    public static final long GICR_ISACTIVER0 = 0x0300;
    public static final long GICR_IPRIORITYR = 0x0400;
    public static final long GICR_ICFGR1 = 0x0C04;

    private RegOffsets() {
    }
}
