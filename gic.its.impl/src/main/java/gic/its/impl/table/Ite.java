package gic.its.impl.table;

import gic.core.lpi.LpiState;
import gic.core.reg.Field;

/**
 * An interrupt translation entry, indexed by EventID in the device's ITT (KVM ITS table ABI revision 0):
 * next [63:48], pINTID [47:16] (0 = invalid entry), ICID [15:0].
 *
 * @param valid  the event is mapped (MAPTI/MAPI) and its pINTID is an LPI of this GIC
 * @param pintid the physical LPI INTID
 * @param icid   the collection the event is routed through
 */
public record Ite(boolean valid, long pintid, int icid) {

    public static final Field NEXT = new Field("next", 48, 16);
    public static final Field PINTID = new Field("pINTID", 16, 32);
    public static final Field ICID = new Field("ICID", 0, 16);

    /** An unmapped event. */
    public static final Ite INVALID = new Ite(false, 0, 0);

    /** A mapped event. */
    public static Ite of(long pintid, int icid) {
        return new Ite(true, pintid, icid);
    }

    /** Decodes {@code raw}; an entry whose pINTID is not an LPI of the GIC ({@link #isLpi}) is invalid. */
    public static Ite decode(long raw, int lpiIdBits) {
        long pintid = PINTID.get(raw);
        return isLpi(pintid, lpiIdBits) ? new Ite(true, pintid, ICID.getInt(raw)) : INVALID;
    }

    /**
     * Whether {@code intid} is an LPI of a GIC with {@code lpiIdBits} INTID bits: 8192 .. 2^lpiIdBits - 1
     * (so 1023 and below are not). The pINTIDs MAPTI and MAPI accept, and that an ITE may hold.
     */
    public static boolean isLpi(long intid, int lpiIdBits) {
        return intid >= LpiState.FIRST && intid < 1L << lpiIdBits;
    }

    /** The 8-byte entry; {@code next} is written as 1 in every valid entry (see {@link Dte#encode()}). */
    public long encode() {
        return valid ? NEXT.of(1) | PINTID.of(pintid) | ICID.of(icid) : 0;
    }
}
