package gic.core.reg;

import gic.core.GuestErrors;
import java.util.ArrayList;
import java.util.List;

/**
 * The registers of one MMIO frame, declared as data: name, offset, element count and width, the access
 * widths the architecture allows, and read/write handlers over the block that owns them
 * (after KVM's {@code vgic_register_region} tables and Renode's register collections).
 *
 * <p>Dispatch gives every access the architecture's answer: an offset that is no register, an access
 * width the register does not allow, a misaligned access, a read of a write-only or a write of a
 * read-only register all read as zero or are ignored, and are reported as guest errors. A register
 * declared {@link #razWi} reads as zero and ignores writes silently, as an architected RAZ/WI register.
 * Narrower accesses to a wider register (32-bit halves of a 64-bit one) read the lane and write by
 * read-modify-write; wider accesses to narrow elements (a word over four priority bytes) are split.
 *
 * @param <T> the block type whose state the handlers touch (one table serves every instance)
 */
public final class RegisterTable<T> {

    /** Reads element {@code index} of a register array. */
    @FunctionalInterface
    public interface Reader<T> {
        long read(T block, int index);
    }

    /** Writes element {@code index} of a register array. */
    @FunctionalInterface
    public interface Writer<T> {
        void write(T block, int index, long value);
    }

    /** Allowed access widths: a set of sizes in bytes. */
    public static final int B = 1;
    public static final int W = 4;
    public static final int D = 8;

    private record Entry<T>(String name, int offset, int count, int bytes, int widths, Reader<T> reader,
                            Reader<T> stateReader, Writer<T> writer, boolean silent) {
        int end() {
            return offset + count * bytes;
        }
    }

    private final String frame;
    private final int frameSize;
    private final List<Entry<T>> entries = new ArrayList<>();
    private volatile short[] byWord;

    /** An empty table for a frame of {@code frameSize} bytes named {@code frame} (for logs). */
    public RegisterTable(String frame, int frameSize) {
        this.frame = frame;
        this.frameSize = frameSize;
    }

    /** One register of {@code bytes} bytes; a {@code null} reader makes it write-only, a {@code null} writer read-only. */
    public RegisterTable<T> reg(String name, int offset, int bytes, int widths, Reader<T> reader, Writer<T> writer) {
        return array(name, offset, 1, bytes, widths, reader, writer);
    }

    /** An array of {@code count} registers of {@code bytes} bytes each, starting at {@code offset}. */
    public RegisterTable<T> array(String name, int offset, int count, int bytes, int widths, Reader<T> reader,
                                  Writer<T> writer) {
        return add(new Entry<>(name, offset, count, bytes, widths, reader, reader, writer, false));
    }

    /**
     * A register whose guest-visible read differs from its state (a write-only bit such as
     * GICR_PENDBASER.PTZ): a narrow write merges into {@code stateReader}'s value, so writing one half
     * never changes a bit of the other half.
     */
    public RegisterTable<T> reg(String name, int offset, int bytes, int widths, Reader<T> reader,
                                Reader<T> stateReader, Writer<T> writer) {
        return add(new Entry<>(name, offset, 1, bytes, widths, reader, stateReader, writer, false));
    }

    /** An architected range that reads as zero and ignores writes (no guest error). */
    public RegisterTable<T> razWi(String name, int offset, int length, int widths) {
        Reader<T> zero = (b, i) -> 0;
        return add(new Entry<>(name, offset, length / 4, 4, widths, zero, zero, (b, i, v) -> { }, true));
    }

    /** Adds every register of {@code other}, which must not overlap this table's. */
    public RegisterTable<T> include(RegisterTable<T> other) {
        other.entries.forEach(this::add);
        return this;
    }

    private RegisterTable<T> add(Entry<T> e) {
        if (e.offset % 4 != 0 && e.bytes >= 4 || e.end() > frameSize) {
            throw new IllegalArgumentException(e.name);
        }
        for (Entry<T> o : entries) {
            if (e.offset < o.end() && o.offset < e.end()) {
                throw new IllegalArgumentException(e.name + " overlaps " + o.name);
            }
        }
        entries.add(e);
        byWord = null;
        return this;
    }

    private Entry<T> find(long offset) {
        short[] map = byWord;
        if (map == null) {
            map = new short[frameSize / 4];
            for (int i = 0; i < entries.size(); i++) {
                Entry<T> e = entries.get(i);
                for (int w = e.offset / 4; w < (e.end() + 3) / 4; w++) {
                    map[w] = (short) (i + 1);
                }
            }
            byWord = map;
        }
        int idx = map[(int) (offset >>> 2)];
        return idx == 0 ? null : entries.get(idx - 1);
    }

    private Entry<T> check(long offset, int size, String block, GuestErrors errors, boolean write) {
        if (offset < 0 || offset >= frameSize || (size != 1 && size != 2 && size != 4 && size != 8)) {
            errors.report(block, String.format("%s of %d bytes at %s+0x%x outside the frame",
                write ? "write" : "read", size, frame, offset));
            return null;
        }
        Entry<T> e = find(offset);
        if (e == null) {
            errors.report(block, String.format("%s of reserved offset %s+0x%x", write ? "write" : "read", frame, offset));
            return null;
        }
        if ((e.widths & size) == 0 || (offset & (size - 1)) != 0 || offset + size > e.end()) {
            errors.report(block, String.format("%d-byte %s of %s at +0x%x not permitted", size,
                write ? "write" : "read", e.name, offset));
            return null;
        }
        return e;
    }

    /** Reads {@code size} bytes at {@code offset}, reporting bad accesses to {@code errors} as {@code block}. */
    public long read(T block, long offset, int size, String blockName, GuestErrors errors) {
        Entry<T> e = check(offset, size, blockName, errors, false);
        if (e == null) {
            return 0;
        }
        if (e.reader == null) {
            errors.report(blockName, "read of write-only " + e.name);
            return 0;
        }
        int rel = (int) offset - e.offset;
        int index = rel / e.bytes;
        if (size <= e.bytes) {
            long v = e.reader.read(block, index);
            return size == 8 ? v : (v >>> (8 * (rel % e.bytes))) & ((1L << (8 * size)) - 1);
        }
        long v = 0;
        long laneMask = e.bytes == 8 ? -1L : (1L << (8 * e.bytes)) - 1;
        for (int k = 0; k < size / e.bytes; k++) {
            v |= (e.reader.read(block, index + k) & laneMask) << (8 * e.bytes * k);
        }
        return v;
    }

    /** Writes {@code size} bytes at {@code offset}, reporting bad accesses to {@code errors} as {@code block}. */
    public void write(T block, long offset, int size, long value, String blockName, GuestErrors errors) {
        Entry<T> e = check(offset, size, blockName, errors, true);
        if (e == null) {
            return;
        }
        if (e.writer == null) {
            if (!e.silent) {
                errors.report(blockName, "write of read-only " + e.name);
            }
            return;
        }
        int rel = (int) offset - e.offset;
        int index = rel / e.bytes;
        long sizeMask = size == 8 ? -1L : (1L << (8 * size)) - 1;
        if (size == e.bytes) {
            e.writer.write(block, index, value & sizeMask);
        } else if (size < e.bytes) {
            int shift = 8 * (rel % e.bytes);
            if (e.reader == null) {
                // A narrow write to a write-only register: the low lane is the whole value, upper zero.
                if (shift == 0) {
                    e.writer.write(block, index, value & sizeMask);
                }
                return;
            }
            long old = e.stateReader.read(block, index);
            e.writer.write(block, index, (old & ~(sizeMask << shift)) | ((value & sizeMask) << shift));
        } else {
            long laneMask = (1L << (8 * e.bytes)) - 1;
            for (int k = 0; k < size / e.bytes; k++) {
                e.writer.write(block, index + k, (value >>> (8 * e.bytes * k)) & laneMask);
            }
        }
    }
}
