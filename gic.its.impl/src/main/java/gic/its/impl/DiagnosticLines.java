package gic.its.impl;

import gic.its.impl.table.Cte;
import gic.its.impl.table.Dte;
import gic.its.impl.table.Ite;
import gic.its.impl.table.ItsTables;
import gic.its.impl.table.Slot;
import gic.its.impl.table.TableGeometry;

/**
 * The text of {@link gic.api.Gic#diagnostics()}, bounded: at most {@value #MAX_LINES} lines, and at most
 * {@value #MAX_SCAN_BYTES} bytes of guest table memory scanned, then "... truncated".
 */
final class DiagnosticLines {

    static final int MAX_LINES = 4096;
    static final long MAX_SCAN_BYTES = 64L << 20;
    /** Table entries read from guest memory in one access. */
    private static final int CHUNK_ENTRIES = 4096 / TableGeometry.ENTRY_BYTES;

    /** Visits one table entry; returns {@code false} to stop the scan. */
    @FunctionalInterface
    private interface EntryVisitor {
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

    /**
     * A line per entry of {@code tables} that is not all zero: every collection, every device and the
     * events of its ITT, as guest memory holds them now (read, not cached).
     */
    void tables(ItsTables tables) {
        entries(tables, tables.collections(), 1L << ItsTables.ICID_BITS, (icid, raw) -> {
            if (raw == 0) {
                return true;
            }
            Cte cte = Cte.decode(raw, tables.cpuCount());
            return line(String.format("  collection 0x%x -> %s", icid,
                cte.valid() ? "processor " + cte.processor() : "invalid entry 0x" + Long.toHexString(raw)));
        });
        entries(tables, tables.devices(), 1L << tables.deviceIdBits(), (deviceId, raw) -> {
            if (raw == 0) {
                return true;
            }
            Dte dte = Dte.decode(raw, tables.eventIdBits());
            if (!dte.valid()) {
                return line(String.format("  device 0x%x: invalid entry 0x%x", deviceId, raw));
            }
            if (!line(String.format("  device 0x%x: ITT at 0x%x, %d events", deviceId, dte.ittAddress(),
                dte.eventCount()))) {
                return false;
            }
            return run(tables, dte.ittAddress(), 0, dte.eventCount(), (eventId, iteRaw) -> {
                if (iteRaw == 0) {
                    return true;
                }
                Ite ite = Ite.decode(iteRaw, tables.lpiIdBits());
                return line(ite.valid()
                    ? String.format("    event 0x%x -> LPI %d, collection 0x%x", eventId, ite.pintid(), ite.icid())
                    : String.format("    event 0x%x: invalid entry 0x%x", eventId, iteRaw));
            });
        });
    }

    /**
     * Every entry of IDs below {@code idLimit} of the table {@code g}, flat or two-level, found by the
     * table's own lookup ({@link TableGeometry#slot}) once per run of adjacent entries.
     */
    private boolean entries(ItsTables tables, TableGeometry g, long idLimit, EntryVisitor v) {
        long n = Math.min(g.capacity(), idLimit);
        for (long id = 0; id < n; ) {
            if (g.indirect() && !spend(TableGeometry.ENTRY_BYTES)) {
                return false; // the lookup reads a level-1 descriptor
            }
            Slot slot = g.slot(id, tables.memory());
            if (slot instanceof Slot.Fault fault) {
                return line(String.format("  level-1 descriptor at 0x%x is outside guest RAM", fault.address()));
            }
            long count = Math.min(g.contiguousFrom(id), n - id);
            if (slot instanceof Slot.At at && !run(tables, at.address(), id, count, v)) {
                return false;
            }
            id += count; // Slot.OutOfRange: an invalid level-1 descriptor, no level-2 page to visit
        }
        return true;
    }

    /** The {@code count} adjacent entries at {@code address}, of IDs from {@code firstId} on, in chunks. */
    private boolean run(ItsTables tables, long address, long firstId, long count, EntryVisitor v) {
        long[] chunk = new long[CHUNK_ENTRIES];
        for (long done = 0; done < count; ) {
            int n = (int) Math.min(CHUNK_ENTRIES, count - done);
            long at = address + done * TableGeometry.ENTRY_BYTES;
            if (!spend((long) n * TableGeometry.ENTRY_BYTES)) {
                return false;
            }
            if (!ItsTables.readLongs(tables.memory(), at, chunk, n)) {
                return line(String.format("  entries at 0x%x are outside guest RAM", at));
            }
            for (int i = 0; i < n; i++) {
                if (!v.visit(firstId + done + i, chunk[i])) {
                    return false;
                }
            }
            done += n;
        }
        return true;
    }
}
