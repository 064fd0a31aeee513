package gic.its.impl.table;

import gic.core.reg.Field;

/**
 * A collection table entry (KVM ITS table ABI revision 0 layout): V [63], RDBase [51:16] = the target's
 * processor number (GICR_TYPER.Processor_Number), ICID [15:0]. We index the table by ICID, where KVM packs
 * it; indexing is what makes a two-level collection table possible. The processor number is stored
 * whatever GITS_TYPER.PTA says: MAPC converts a physical RDbase to it.
 *
 * @param valid     the collection is mapped and names an existing redistributor
 * @param processor the target redistributor's processor number
 * @param icid      the collection's ICID
 */
public record Cte(boolean valid, long processor, int icid) {

    public static final Field VALID = new Field("V", 63, 1);
    public static final Field RDBASE = new Field("RDBase", 16, 36);
    public static final Field ICID = new Field("ICID", 0, 16);

    /** An unmapped collection. */
    public static final Cte INVALID = new Cte(false, 0, 0);

    /** Decodes {@code raw}; an entry naming no redistributor (processor number ≥ {@code cpuCount}) is invalid. */
    public static Cte decode(long raw, int cpuCount) {
        if (!VALID.isSet(raw) || RDBASE.get(raw) >= cpuCount) {
            return INVALID;
        }
        return new Cte(true, RDBASE.get(raw), ICID.getInt(raw));
    }

    public long encode() {
        return valid ? VALID.of(1) | RDBASE.of(processor) | ICID.of(icid) : 0;
    }
}
