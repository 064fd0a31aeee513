package gic.its.impl;

import gic.its.impl.table.ItsTables;
import gic.its.impl.table.TableGeometry;
import java.util.OptionalLong;

/**
 * The text of {@link gic.api.Gic#diagnostics()}, bounded: at most {@value #MAX_LINES} lines, and at most
 * {@value #MAX_SCAN_BYTES} bytes of guest table memory scanned, then "... truncated".
 */
final class DiagnosticLines {

    static final int MAX_LINES = 4096;
    static final long MAX_SCAN_BYTES = 64L << 20;
    private static final int CHUNK = 4096;

    /** Visits one table entry; returns {@code false} to stop the scan. */
    @FunctionalInterface
    interface EntryVisitor {
        boolean visit(long id, long raw);
    }

    private final StringBuilder text = new StringBuilder();
    private int lines;
    private boolean truncated;
    private long scanBudget = MAX_SCAN_BYTES;

    /** Adds a line; {@code false} once the output is full (then nothing more is added). */
    boolean line(String s) {
        if (truncated) {
            return false;
        }
        if (lines == MAX_LINES) {
            truncate();
            return false;
        }
        text.append(s).append('\n');
        lines++;
        return true;
    }

    private void truncate() {
        if (!truncated) {
            truncated = true;
            text.append("... truncated\n");
        }
    }

    private boolean spend(long bytes) {
        if (truncated) {
            return false;
        }
        if (bytes > scanBudget) {
            truncate();
            return false;
        }
        scanBudget -= bytes;
        return true;
    }

    String text() {
        return text.toString();
    }

    TableScan scanner(ItsTables tables) {
        return new TableScan(tables);
    }

    /** Walks tables in guest memory, in chunks, within the scan budget. */
    final class TableScan {
        private final ItsTables tables;

        private TableScan(ItsTables tables) {
            this.tables = tables;
        }

        /** Every entry of IDs below {@code idLimit} of the table {@code g}, flat or two-level. */
        boolean entries(TableGeometry g, long idLimit, EntryVisitor v) {
            if (!g.valid()) {
                return true;
            }
            long n = Math.min(g.capacity(), idLimit);
            if (!g.indirect()) {
                return range(g.base(), 0, n, v);
            }
            long perPage = g.entriesPerPage();
            for (long l1 = 0; l1 < g.level1Entries() && l1 * perPage < n; l1++) {
                if (!spend(TableGeometry.ENTRY_BYTES)) {
                    return false;
                }
                OptionalLong d = tables.readRaw(g.level1Address(l1));
                if (d.isEmpty()) {
                    return line(String.format("  level-1 descriptor at 0x%x is outside guest RAM", g.level1Address(l1)));
                }
                if (TableGeometry.L1_VALID.isSet(d.getAsLong())
                    && !range(g.level2Page(d.getAsLong()), l1 * perPage, Math.min(perPage, n - l1 * perPage), v)) {
                    return false;
                }
            }
            return true;
        }

        /** {@code count} consecutive entries at {@code address} (an ITT). */
        boolean flat(long address, long count, EntryVisitor v) {
            return range(address, 0, count, v);
        }

        private boolean range(long address, long firstId, long count, EntryVisitor v) {
            byte[] chunk = new byte[CHUNK];
            for (long done = 0; done < count; ) {
                int n = (int) Math.min(CHUNK / TableGeometry.ENTRY_BYTES, count - done);
                int bytes = n * TableGeometry.ENTRY_BYTES;
                long at = address + done * TableGeometry.ENTRY_BYTES;
                if (!spend(bytes)) {
                    return false;
                }
                if (!tables.readBytes(at, chunk, bytes)) {
                    return line(String.format("  entries at 0x%x are outside guest RAM", at));
                }
                for (int i = 0; i < n; i++) {
                    long raw = 0;
                    for (int b = 7; b >= 0; b--) {
                        raw = raw << 8 | (chunk[i * 8 + b] & 0xFF);
                    }
                    if (!v.visit(firstId + done + i, raw)) {
                        return false;
                    }
                }
                done += n;
            }
            return true;
        }
    }
}
