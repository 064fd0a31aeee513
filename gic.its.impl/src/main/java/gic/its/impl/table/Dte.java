package gic.its.impl.table;

import gic.core.reg.Field;

/**
 * A device table entry, indexed by DeviceID (KVM ITS table ABI revision 0): V [63], next [62:49],
 * ITT_addr [48:5] = ITT PA[51:8], Size [4:0] = EventID bits - 1. An all-zero entry is invalid.
 *
 * @param valid       the device is mapped (MAPD V = 1) and the entry is usable
 * @param ittAddress  guest physical address of the device's interrupt translation table (256-byte aligned)
 * @param size        EventID bits - 1: the ITT has {@code 2^(size+1)} entries
 */
public record Dte(boolean valid, long ittAddress, int size) {

    public static final Field VALID = new Field("V", 63, 1);
    public static final Field NEXT = new Field("next", 49, 14);
    public static final Field ITT_ADDR = new Field("ITT_addr", 5, 44);
    public static final Field SIZE = new Field("Size", 0, 5);

    /** An unmapped device. */
    public static final Dte INVALID = new Dte(false, 0, 0);

    /**
     * Decodes {@code raw}; an entry with V = 1 but a Size of {@code eventIdBits} or more (possible only
     * if the guest edited the table behind the ITS, or in a restored image) is invalid, as MAPD would
     * have refused it.
     */
    public static Dte decode(long raw, int eventIdBits) {
        if (!VALID.isSet(raw) || SIZE.getInt(raw) >= eventIdBits) {
            return INVALID;
        }
        return new Dte(true, ITT_ADDR.get(raw) << 8, SIZE.getInt(raw));
    }

    /**
     * The 8-byte entry. {@code next} is written as 1 in every valid entry ("look at the next entry"),
     * which KVM's restore scan accepts; we never read it.
     */
    public long encode() {
        if (!valid) {
            return 0;
        }
        return VALID.of(1) | NEXT.of(1) | ITT_ADDR.of(ittAddress >>> 8) | SIZE.of(size);
    }

    /** Entries of the device's ITT: EventIDs below this are in range. */
    public long eventCount() {
        return 1L << (size + 1);
    }
}
