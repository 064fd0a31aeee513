package gic.its.impl.table;

/**
 * Where the entry of one ID lives in a table, or why it has no place: the ID is outside the table (or
 * its level-1 descriptor is invalid), or the level-1 descriptor could not be read from guest memory.
 */
public sealed interface Slot {

    /** The entry is the 8 bytes at guest physical {@code address}. */
    record At(long address) implements Slot {
    }

    /** The ID has no entry: beyond the table, the table is not Valid, or its level-1 descriptor is invalid. */
    record OutOfRange(String reason) implements Slot {
    }

    /** Reading the level-1 descriptor at {@code address} failed: it lies outside guest RAM. */
    record Fault(long address) implements Slot {
    }
}
