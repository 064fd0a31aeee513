package gic.its.impl.table;

/**
 * The outcome of reading one table entry: the decoded entry and where it lives, or that the ID has no
 * entry ({@link OutOfRange}), or that guest memory could not be read ({@link Fault}).
 *
 * @param <T> the entry type ({@link Dte}, {@link Cte}, {@link Ite})
 */
public sealed interface EntryRead<T> {

    /** The entry at {@code address}, decoded (possibly an invalid entry). */
    record Found<T>(T entry, long address) implements EntryRead<T> {
    }

    /** The ID is outside the table, or its level-1 descriptor is invalid. */
    record OutOfRange<T>(String reason) implements EntryRead<T> {
    }

    /** The access at {@code address} (a level-1 descriptor or the entry) left guest RAM. */
    record Fault<T>(long address) implements EntryRead<T> {
    }
}
