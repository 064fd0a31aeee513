package gic.its.impl.table;

import gic.api.GuestMemory;
import gic.core.reg.Field;
import java.util.OptionalLong;

/**
 * The fields of a GITS_BASER&lt;n&gt; register and the table geometry they describe (IHI 0069
 * GITS_BASER&lt;n&gt;): where the table is, whether it is flat or two-level, its page size and its number of
 * entries. Every entry of our tables is {@value #ENTRY_BYTES} bytes (Entry_Size reads 7).
 *
 * <p>Flat: {@code (Size + 1) * PageSize / 8} entries. Two-level (Indirect = 1): the register points to
 * {@code (Size + 1)} pages of 64-bit level-1 descriptors (Valid bit 63, PA[51:12] of a level-2 page);
 * each level-2 page holds {@code PageSize / 8} entries, so ID {@code n} lives in the level-2 page of
 * descriptor {@code n / (PageSize / 8)}, at slot {@code n % (PageSize / 8)}.
 *
 * @param valid     GITS_BASER.Valid: software allocated the table
 * @param indirect  GITS_BASER.Indirect: two-level table
 * @param pageSize  bytes per ITS page (4, 16 or 64 KiB)
 * @param pages     GITS_BASER.Size + 1: pages of entries (flat) or of level-1 descriptors (two-level)
 * @param base      guest physical address of the table (flat) or of the level-1 descriptors
 */
public record TableGeometry(boolean valid, boolean indirect, int pageSize, int pages, long base) {

    public static final Field SIZE = new Field("Size", 0, 8);
    public static final Field PAGE_SIZE = new Field("Page_Size", 8, 2);
    public static final Field SHAREABILITY = new Field("Shareability", 10, 2);
    public static final Field PHYSICAL_ADDRESS = new Field("Physical_Address", 12, 36);
    public static final Field ENTRY_SIZE = new Field("Entry_Size", 48, 5);
    public static final Field OUTER_CACHE = new Field("OuterCache", 53, 3);
    public static final Field TYPE = new Field("Type", 56, 3);
    public static final Field INNER_CACHE = new Field("InnerCache", 59, 3);
    public static final Field INDIRECT = new Field("Indirect", 62, 1);
    public static final Field VALID = new Field("Valid", 63, 1);

    /** With 64 KiB pages, BASER[15:12] hold PA[51:48] (IHI 0069 GITS_BASER&lt;n&gt;.Physical_Address). */
    public static final Field PA_51_48 = new Field("Physical_Address[51:48]", 12, 4);
    private static final Field PA_47_16 = new Field("Physical_Address[47:16]", 16, 32);

    /** GITS_BASER.Type values. */
    public static final int TYPE_DEVICES = 1;
    public static final int TYPE_COLLECTIONS = 4;

    /** Page_Size encodings. */
    public static final int PAGE_4K = 0;
    public static final int PAGE_16K = 1;
    public static final int PAGE_64K = 2;

    /** Bytes per table entry and per level-1 descriptor. */
    public static final int ENTRY_BYTES = 8;

    /** Level-1 descriptor of a two-level table: Valid [63], PA[51:12] of the level-2 page. */
    public static final Field L1_VALID = new Field("Valid", 63, 1);
    public static final Field L1_ADDRESS = new Field("Physical_Address", 12, 40);

    /** A table that holds nothing (GITS_BASER.Valid = 0). */
    public static final TableGeometry NONE = new TableGeometry(false, false, 0x10000, 1, 0);

    /** Decodes a GITS_BASER value. */
    public static TableGeometry of(long baser) {
        int pageSize = pageBytes(PAGE_SIZE.getInt(baser));
        long base;
        if (pageSize == 0x10000) {
            base = PA_47_16.get(baser) << 16 | PA_51_48.get(baser) << 48;
        } else {
            // IMPDEF: PA bits below the page size (a misaligned table, CONSTRAINED UNPREDICTABLE) are
            // treated as 0.
            base = (PHYSICAL_ADDRESS.get(baser) << 12) & -(long) pageSize;
        }
        return new TableGeometry(VALID.isSet(baser), INDIRECT.isSet(baser), pageSize, SIZE.getInt(baser) + 1, base);
    }

    /** Bytes of an ITS page for a Page_Size encoding; IMPDEF: the reserved value 3 is used as 64 KiB. */
    public static int pageBytes(int pageSizeField) {
        return switch (pageSizeField) {
            case PAGE_4K -> 0x1000;
            case PAGE_16K -> 0x4000;
            default -> 0x10000;
        };
    }

    /** Entries in one page (flat table page or level-2 page). */
    public int entriesPerPage() {
        return pageSize / ENTRY_BYTES;
    }

    /** Level-1 descriptors (two-level) or 0 (flat). */
    public long level1Entries() {
        return indirect ? (long) pages * entriesPerPage() : 0;
    }

    /** How many IDs the table can hold (for a two-level table, if every level-1 descriptor were valid). */
    public long capacity() {
        if (!valid) {
            return 0;
        }
        long perPage = entriesPerPage();
        return indirect ? level1Entries() * perPage : pages * perPage;
    }

    /**
     * Where the entry of {@code id} is. For a two-level table this reads the level-1 descriptor from
     * {@code memory}; the IHI 0069 rule that a descriptor made valid must be visible before a command
     * relies on it is met trivially: we read it at each use.
     */
    public Slot slot(long id, GuestMemory memory) {
        if (!valid) {
            return new Slot.OutOfRange("table not Valid");
        }
        if (id < 0 || id >= capacity()) {
            return new Slot.OutOfRange("ID 0x" + Long.toHexString(id) + " beyond the table (" + capacity()
                + " entries)");
        }
        if (!indirect) {
            return new Slot.At(base + id * ENTRY_BYTES);
        }
        long l1Address = level1Address(id / entriesPerPage());
        OptionalLong l1 = memory.load(l1Address, ENTRY_BYTES);
        if (l1.isEmpty()) {
            return new Slot.Fault(l1Address);
        }
        long descriptor = l1.getAsLong();
        if (!L1_VALID.isSet(descriptor)) {
            return new Slot.OutOfRange("level-1 descriptor at 0x" + Long.toHexString(l1Address) + " is invalid");
        }
        return new Slot.At(level2Page(descriptor) + (id % entriesPerPage()) * ENTRY_BYTES);
    }

    /**
     * How many IDs from {@code id} (below {@link #capacity()}) on have their entries next to each other,
     * from its {@link #slot}: to the end of its level-2 page, or of a flat table.
     */
    public long contiguousFrom(long id) {
        return indirect ? entriesPerPage() - id % entriesPerPage() : capacity() - id;
    }

    /** Guest physical address of level-1 descriptor {@code l1Index} of a two-level table. */
    private long level1Address(long l1Index) {
        return base + l1Index * ENTRY_BYTES;
    }

    /** The level-2 page a (valid) level-1 descriptor points to. */
    private long level2Page(long descriptor) {
        // IMPDEF: address bits below the page size (a misaligned level-2 page) are treated as 0.
        return (L1_ADDRESS.get(descriptor) << 12) & -(long) pageSize;
    }

    @Override
    public String toString() {
        if (!valid) {
            return "not valid";
        }
        return String.format("%s at 0x%x, %d x %d KiB pages, %d entries", indirect ? "two-level" : "flat", base,
            pages, pageSize / 1024, capacity());
    }
}
