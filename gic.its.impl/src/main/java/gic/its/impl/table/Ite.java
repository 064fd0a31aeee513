package gic.its.impl.table;

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

    /** The first LPI INTID. */
    public static final long FIRST_LPI = 8192;

    /** An unmapped event. */
    public static final Ite INVALID = new Ite(false, 0, 0);

    /** A mapped event. */
    public static Ite of(long pintid, int icid) {
        return new Ite(true, pintid, icid);
    }

    /** Decodes {@code raw}; an entry whose pINTID is not an LPI below {@code 2^lpiIdBits} is invalid. */
    public static Ite decode(long raw, int lpiIdBits) {
        long pintid = PINTID.get(raw);
        if (pintid < FIRST_LPI || pintid >= 1L << lpiIdBits) {
            return INVALID;
        }
        return new Ite(true, pintid, ICID.getInt(raw));
    }

    /** The 8-byte entry; {@code next} is written as 1 in every valid entry (see {@link Dte#encode()}). */
    public long encode() {
        return valid ? NEXT.of(1) | PINTID.of(pintid) | ICID.of(icid) : 0;
    }
}
