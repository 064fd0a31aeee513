package gic.its.impl.table;

import gic.api.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;
import java.util.function.LongFunction;

/**
 * The tables of one ITS as its BASERs describe them at one moment: the device table, the collection
 * table and, through device table entries, the interrupt translation tables. Immutable; the ITS makes a
 * new one when a GITS_BASER changes. Guest memory is the only store: every read goes to it, every write
 * goes through to it.
 *
 * <p>IDs beyond the widths the ITS advertises (GITS_TYPER.Devbits, ID_bits; 16-bit ICIDs with CIL = 0)
 * are out of range whatever the table size. Entries that the guest (or a restored image) made
 * inconsistent decode as invalid: a DTE whose Size reaches the EventID width, a CTE naming no
 * redistributor, an ITE whose pINTID is no LPI of this GIC.
 */
public final class ItsTables {

    /** ICIDs are 16 bits: GITS_TYPER.CIL = 0. */
    public static final int ICID_BITS = 16;

    private final GuestMemory memory;
    private final TableGeometry devices;
    private final TableGeometry collections;
    private final int deviceIdBits;
    private final int eventIdBits;
    private final int lpiIdBits;
    private final int cpuCount;

    /**
     * @param memory       guest RAM
     * @param devices      geometry of GITS_BASER0 (Devices)
     * @param collections  geometry of GITS_BASER1 (Collections)
     * @param deviceIdBits DeviceID width advertised in GITS_TYPER
     * @param eventIdBits  EventID width advertised in GITS_TYPER
     * @param lpiIdBits    INTID width of the GIC (LPIs are 8192 .. 2^lpiIdBits - 1)
     * @param cpuCount     number of redistributors (processor numbers 0 .. cpuCount - 1)
     */
    public ItsTables(GuestMemory memory, TableGeometry devices, TableGeometry collections, int deviceIdBits,
                     int eventIdBits, int lpiIdBits, int cpuCount) {
        this.memory = memory;
        this.devices = devices;
        this.collections = collections;
        this.deviceIdBits = deviceIdBits;
        this.eventIdBits = eventIdBits;
        this.lpiIdBits = lpiIdBits;
        this.cpuCount = cpuCount;
    }

    /** The same limits with other BASERs. */
    public ItsTables withGeometry(TableGeometry newDevices, TableGeometry newCollections) {
        return new ItsTables(memory, newDevices, newCollections, deviceIdBits, eventIdBits, lpiIdBits, cpuCount);
    }

    public TableGeometry devices() {
        return devices;
    }

    public TableGeometry collections() {
        return collections;
    }

    public int eventIdBits() {
        return eventIdBits;
    }

    public int deviceIdBits() {
        return deviceIdBits;
    }

    // ---- device table

    /** Where DeviceID {@code deviceId}'s DTE is. */
    public Slot deviceSlot(long deviceId) {
        if (deviceId < 0 || deviceId >= 1L << deviceIdBits) {
            return new Slot.OutOfRange("DeviceID 0x" + Long.toHexString(deviceId) + " needs more than "
                + deviceIdBits + " bits");
        }
        return devices.slot(deviceId, memory);
    }

    public EntryRead<Dte> readDte(long deviceId) {
        return read(deviceSlot(deviceId), raw -> Dte.decode(raw, eventIdBits));
    }

    // ---- collection table

    /** Where collection {@code icid}'s CTE is. */
    public Slot collectionSlot(long icid) {
        if (icid < 0 || icid >= 1L << ICID_BITS) {
            return new Slot.OutOfRange("ICID 0x" + Long.toHexString(icid) + " needs more than 16 bits");
        }
        return collections.slot(icid, memory);
    }

    public EntryRead<Cte> readCte(long icid) {
        return read(collectionSlot(icid), raw -> Cte.decode(raw, cpuCount));
    }

    // ---- interrupt translation tables

    /** Where event {@code eventId}'s ITE is in the ITT of the (valid) device entry {@code dte}. */
    public Slot eventSlot(Dte dte, long eventId) {
        if (!dte.valid() || eventId < 0 || eventId >= dte.eventCount()) {
            return new Slot.OutOfRange("EventID 0x" + Long.toHexString(eventId) + " beyond the ITT ("
                + dte.eventCount() + " entries)");
        }
        return new Slot.At(dte.ittAddress() + eventId * TableGeometry.ENTRY_BYTES);
    }

    public EntryRead<Ite> readIte(Dte dte, long eventId) {
        return read(eventSlot(dte, eventId), raw -> Ite.decode(raw, lpiIdBits));
    }

    // ---- access

    /** Writes the 8-byte entry {@code raw} at {@code address}; {@code false} if that is outside guest RAM. */
    public boolean write(long address, long raw) {
        return memory.store(address, TableGeometry.ENTRY_BYTES, raw);
    }

    /**
     * Reads {@code count} consecutive little-endian 8-byte values at {@code address} of {@code memory} into
     * {@code dst} in one access: a run of table entries, or a command's four doublewords. {@code false},
     * and {@code dst} unchanged, if any byte is outside guest RAM.
     */
    public static boolean readLongs(GuestMemory memory, long address, long[] dst, int count) {
        byte[] bytes = new byte[count * Long.BYTES];
        if (!memory.read(address, bytes, 0, bytes.length)) {
            return false;
        }
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(dst, 0, count);
        return true;
    }

    private <T> EntryRead<T> read(Slot slot, LongFunction<T> decode) {
        if (slot instanceof Slot.At at) {
            OptionalLong raw = memory.load(at.address(), TableGeometry.ENTRY_BYTES);
            return raw.isPresent()
                ? new EntryRead.Found<>(decode.apply(raw.getAsLong()), at.address())
                : new EntryRead.Fault<>(at.address());
        }
        if (slot instanceof Slot.OutOfRange out) {
            return new EntryRead.OutOfRange<>(out.reason());
        }
        return new EntryRead.Fault<>(((Slot.Fault) slot).address());
    }

    /** The processor number of CTEs and the ICID width. */
    public int cpuCount() {
        return cpuCount;
    }

    public int lpiIdBits() {
        return lpiIdBits;
    }

    public GuestMemory memory() {
        return memory;
    }
}
