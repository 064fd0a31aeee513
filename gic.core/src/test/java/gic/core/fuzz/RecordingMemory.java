package gic.core.fuzz;

import gic.api.GuestMemory;
import gic.core.TestMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Guest RAM that watches every request the GIC makes of its memory port, and can be made to fail as a
 * host that unmaps RAM would.
 *
 * <h2>What it checks</h2>
 * Every request must be <em>well formed</em>: a buffer range that exists, at least one byte, at an address
 * from 0 to 2^53 (a 52-bit guest physical address plus an offset inside a table). A request that is not
 * is recorded as a violation ({@link #violation()}) and refused. Requests that cross a 4 KiB page boundary
 * are counted per call ({@link Call#pageCrossings()}): the fuzzer allows none in a guest's or the host's
 * calls, so, RAM starting and ending on a page boundary, no such request can be partly inside RAM: each
 * is wholly inside (performed) or wholly outside (refused, nothing copied).
 *
 * <h2>Guards</h2>
 * {@link #guard(long, long)} marks RAM that no request may touch: a benign guest leaves guard gaps
 * between the tables it gives the GIC, so a request that strays past a table's end (or before its start)
 * is a violation even inside RAM.
 *
 * <h2>Faults</h2>
 * {@link #failFrom(long)} refuses every request from a given request number on, {@link #unmap(long, long)}
 * refuses every request that touches an address range, {@link #unmapWrites(long, long)} every write there,
 * and {@link #remap()} ends them. A refused request
 * copies nothing, as {@link GuestMemory} requires.
 *
 * <h2>Per call</h2>
 * {@link #beginCall()} / {@link #endCall()} bracket one call into the GIC and give what it asked for:
 * requests, bytes, refusals, and the ITS commands it read (32-byte reads, told apart by
 * {@link #commandFilter}), so a test can hold the call to its work bound.
 *
 * <p>The RAM itself is a {@link TestMemory}, which a test may also use directly, as the guest's CPUs
 * would: those accesses are not requests of the GIC and are never faulted. Thread-safe (every method is
 * synchronized); the per-call figures mean something when one thread calls the GIC.
 */
public final class RecordingMemory implements GuestMemory {

    /** The granule no request may cross. */
    public static final int PAGE = 4096;
    /** Requests at or above this address are violations: no guest PA is wider than 52 bits. */
    public static final long ADDRESS_LIMIT = 1L << 53;
    /** Bytes of one ITS command: reads of exactly this size at a 32-byte aligned address are commands. */
    public static final int COMMAND_BYTES = 32;
    private static final int TRACE = 64;

    private final long base;
    private final int size;
    private final TestMemory ram;

    private final TreeMap<Long, Long> guards = new TreeMap<>();
    private long failFrom = Long.MAX_VALUE;
    private long holeStart;
    private long holeEnd;
    private long writeHoleStart;
    private long writeHoleEnd;

    private long requests;
    private long refused;
    private long bytes;
    private String violation;
    /** Commands that cost a whole LPI table (the ITS's INVALL, MOVALL, MAPC V = 1), by their bytes. */
    private Predicate<byte[]> tableWideCommand = c -> false;
    private final byte[] commandBytes = new byte[COMMAND_BYTES];

    // per call
    private long callRequests;
    private long callRefused;
    private long callBytes;
    private long callCommands;
    private long callTableWideCommands;
    private long callCrossings;

    // the last requests, for failure messages: address, length | write << 31 | refused << 30
    private final long[] traceAddress = new long[TRACE];
    private final long[] traceWhat = new long[TRACE];

    /** {@code size} bytes of zeroed RAM at guest physical {@code base}; both multiples of 4 KiB. */
    public RecordingMemory(long base, int size) {
        this(new TestMemory(base, size));
    }

    /** The port in front of {@code ram}, which must start and end on a 4 KiB boundary. */
    public RecordingMemory(TestMemory ram) {
        if (ram.base() < 0 || ram.base() % PAGE != 0 || ram.size() % PAGE != 0) {
            throw new IllegalArgumentException("RAM must be whole 4 KiB pages");
        }
        this.base = ram.base();
        this.size = ram.size();
        this.ram = ram;
    }

    /** The RAM behind the port, for the guest's own accesses. */
    public TestMemory ram() {
        return ram;
    }

    public long base() {
        return base;
    }

    public long size() {
        return size;
    }

    /** One past the last byte of RAM. */
    public long end() {
        return base + size;
    }

    /** Whether {@code [address, address + length)} lies in RAM. */
    public boolean inRam(long address, long length) {
        return length >= 0 && address >= base && address <= end() - length;
    }

    // ---------------------------------------------------------------------------------------------
    // Guards

    /** No request may touch {@code [start, end)}: a request that does is a violation. */
    public synchronized void guard(long start, long end) {
        if (end > start) {
            guards.put(start, end);
        }
    }

    /** Removes the guards that start in {@code [start, end)}. */
    public synchronized void clearGuards(long start, long end) {
        guards.subMap(start, end).clear();
    }

    private Map.Entry<Long, Long> guardHit(long address, int length) {
        Map.Entry<Long, Long> g = guards.floorEntry(address + length - 1);
        return g != null && g.getValue() > address ? g : null;
    }

    // ---------------------------------------------------------------------------------------------
    // Faults

    /** Refuses every request numbered {@code request} or later ({@link #requests()} counts from 0). */
    public synchronized void failFrom(long request) {
        failFrom = request;
    }

    /** Refuses every request touching {@code [start, end)}, as if the host had unmapped it. */
    public synchronized void unmap(long start, long end) {
        holeStart = start;
        holeEnd = end;
    }

    /**
     * Refuses every write touching {@code [start, end)} while reads still succeed: the host took the
     * memory away between a command's reads and its write (or write-protected it).
     */
    public synchronized void unmapWrites(long start, long end) {
        writeHoleStart = start;
        writeHoleEnd = end;
    }

    /** Ends {@link #failFrom}, {@link #unmap} and {@link #unmapWrites}: RAM is back. */
    public synchronized void remap() {
        failFrom = Long.MAX_VALUE;
        holeStart = 0;
        holeEnd = 0;
        writeHoleStart = 0;
        writeHoleEnd = 0;
    }

    // ---------------------------------------------------------------------------------------------
    // Figures

    /** Requests so far (performed or refused). */
    public synchronized long requests() {
        return requests;
    }

    /** Requests refused so far (outside RAM, injected faults, violations). */
    public synchronized long refused() {
        return refused;
    }

    /** The first ill-formed request, or {@code null}. */
    public synchronized String violation() {
        return violation;
    }

    /** Tells which 32-byte command reads cost a whole LPI table. */
    public synchronized void commandFilter(Predicate<byte[]> tableWide) {
        tableWideCommand = tableWide;
    }

    /** What one call into the GIC asked of its memory. */
    public record Call(long requests, long refused, long bytes, long commands, long tableWideCommands,
                       long pageCrossings) {
    }

    public synchronized void beginCall() {
        callRequests = 0;
        callRefused = 0;
        callBytes = 0;
        callCommands = 0;
        callTableWideCommands = 0;
        callCrossings = 0;
    }

    public synchronized Call endCall() {
        return new Call(callRequests, callRefused, callBytes, callCommands, callTableWideCommands, callCrossings);
    }

    /** The last requests, oldest first, one per line. */
    public synchronized List<String> trace() {
        List<String> out = new ArrayList<>();
        for (long i = Math.max(0, requests - TRACE); i < requests; i++) {
            int k = (int) (i % TRACE);
            long w = traceWhat[k];
            out.add(String.format("#%d %s 0x%x +%d%s", i, (w >>> 31 & 1) != 0 ? "write" : "read", traceAddress[k],
                w & 0x3FFF_FFFF, (w >>> 30 & 1) != 0 ? " refused" : ""));
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // The port

    @Override
    public synchronized boolean read(long address, byte[] dst, int offset, int length) {
        boolean ok = admit(address, dst, offset, length, false) && ram.read(address, dst, offset, length);
        if (length == COMMAND_BYTES && (address & (COMMAND_BYTES - 1)) == 0) {
            callCommands++;
            if (ok) {
                System.arraycopy(dst, offset, commandBytes, 0, COMMAND_BYTES);
                if (tableWideCommand.test(commandBytes)) {
                    callTableWideCommands++;
                }
            }
        }
        return ok;
    }

    @Override
    public synchronized boolean write(long address, byte[] src, int offset, int length) {
        return admit(address, src, offset, length, true) && ram.write(address, src, offset, length);
    }

    /** Stores {@code size} (1, 2, 4, 8) bytes of {@code value} as the guest would; ignored outside RAM. */
    public void poke(long address, int size, long value) {
        ram.store(address, size, value);
    }

    /** Loads {@code size} (1, 2, 4, 8) bytes as the guest would; 0 outside RAM. */
    public long peek(long address, int size) {
        return ram.load(address, size).orElse(0);
    }

    /** A copy of all of RAM (to compare images). */
    public byte[] image() {
        byte[] copy = new byte[size];
        ram.read(base, copy, 0, size);
        return copy;
    }

    private boolean admit(long address, byte[] buffer, int offset, int length, boolean write) {
        long n = requests++;
        int k = (int) (n % TRACE);
        traceAddress[k] = address;
        traceWhat[k] = (length & 0x3FFF_FFFFL) | (write ? 1L << 31 : 0);
        callRequests++;
        String bad = wellFormed(address, buffer, offset, length);
        if (bad == null && !guards.isEmpty()) {
            Map.Entry<Long, Long> g = guardHit(address, length);
            if (g != null) {
                bad = String.format("touches guarded RAM [0x%x, 0x%x) next to the guest's tables", g.getKey(),
                    g.getValue());
            }
        }
        boolean ok = bad == null && n < failFrom && inRam(address, length)
            && !(address < holeEnd && holeStart < address + length)
            && !(write && address < writeHoleEnd && writeHoleStart < address + length);
        if (bad != null && violation == null) {
            violation = String.format("request #%d (%s of %d bytes at 0x%x): %s", n, write ? "write" : "read",
                length, address, bad);
        }
        if (bad == null && (address & (PAGE - 1)) + length > PAGE) {
            callCrossings++;
        }
        if (ok) {
            callBytes += length;
        } else {
            refused++;
            callRefused++;
            traceWhat[k] |= 1L << 30;
        }
        return ok;
    }

    private static String wellFormed(long address, byte[] buffer, int offset, int length) {
        if (buffer == null) {
            return "no buffer";
        }
        if (length <= 0 || offset < 0 || length > buffer.length - offset) {
            return "buffer range [" + offset + ", +" + length + ") of a " + buffer.length + "-byte buffer";
        }
        if (address < 0 || address >= ADDRESS_LIMIT) {
            return "address beyond the 52-bit physical address space";
        }
        return null;
    }
}
