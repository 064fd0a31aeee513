package gic.host.machine;

import gic.api.Gic;
import gic.api.ItsConfig;
import java.util.List;

/**
 * The LPI side of Linux 6.x's {@code irq-gic-v3-its.c} for the machine's one ITS: probe (GITS_PIDR2, force
 * quiescent, zero every GITS_BASER), GITS_BASER page-size probing and set-up with read-back (a two-level
 * device table where the DeviceID space asks for one), a command queue in RAM behind GITS_CBASER, Enabled,
 * then MAPC + SYNC and INVALL + SYNC per CPU, and per device MAPD with an ITT, MAPTI + SYNC per vector and
 * the unmask (configuration byte, INV + SYNC). Commands are posted as {@code its_send_single_command} does
 * and their completion awaited by polling GITS_CREADR. MSI-X entries are (GITS_TRANSLATER, EventID).
 */
final class ItsGuestDriver extends GuestDriver {

    // GITS control frame (IHI 0069 12.19)
    static final long GITS_CTLR = 0x0000;
    static final long GITS_TYPER = 0x0008;
    static final long GITS_CBASER = 0x0080;
    static final long GITS_CWRITER = 0x0088;
    static final long GITS_CREADR = 0x0090;
    static final long GITS_BASER = 0x0100;
    static final long GITS_PIDR2 = 0xFFE8;
    static final long CTLR_ENABLED = 1;
    static final long CTLR_QUIESCENT = 1L << 31;
    static final long CREADR_STALLED = 1;
    static final long QUEUE_OFFSET_MASK = 0xF_FFE0L;

    // GITS_BASER<n> / GITS_CBASER fields
    static final long VALID = 1L << 63;
    static final long INDIRECT = 1L << 62;
    static final long CACHE_RAWAWB = 7L << 59;
    static final long SHAREABLE_INNER = 1L << 10;
    static final long PAGE_SIZE_MASK = 3L << 8;
    static final int TYPE_DEVICES = 1;
    static final int TYPE_COLLECTIONS = 4;
    static final int[] PAGE_SIZE_CODES = {2, 1, 0}; // 64 KiB, 16 KiB, 4 KiB: Linux tries them in this order
    static final int[] PAGE_SIZES = {0x1_0000, 0x4000, 0x1000};
    static final int QUEUE_BYTES = 0x1_0000;
    static final int L1_ENTRY_BYTES = 8;

    // Command opcodes (ITS.md 3.1)
    static final int SYNC = 0x05;
    static final int MAPD = 0x08;
    static final int MAPC = 0x09;
    static final int MAPTI = 0x0A;
    static final int INV = 0x0C;
    static final int INVALL = 0x0D;

    private final ItsConfig its;
    private final long base;
    private long typer;
    private long queue;
    private long cwriter;
    private long deviceTable;
    private int devicePageBytes;
    private boolean deviceTableIndirect;

    ItsGuestDriver(Gic gic, GuestRam ram, MachineConfig config, List<MsiDevice> devices) {
        super(gic, ram, config, devices);
        this.its = gic.config().itses().get(0);
        this.base = its.base();
    }

    @Override
    protected void initMsi() {
        bringUpIts();
        programMsiX();
    }

    /**
     * A restored ITS that is enabled with its device table and queue set up kept its mappings in guest RAM
     * (an ITS → DirectLPI → ITS round trip carries its registers): only the MSI-X entries change. An ITS
     * never programmed (the machine booted under DirectLPI) gets the full bring-up on the running
     * redistributors.
     */
    @Override
    void reattach() {
        if (!programmed()) {
            bringUpIts();
        }
        programMsiX();
    }

    private boolean programmed() {
        if ((read(base + GITS_CTLR, 4) & CTLR_ENABLED) == 0 || (read(base + GITS_CBASER, 8) & VALID) == 0) {
            return false;
        }
        for (int n = 0; n < 8; n++) {
            long v = read(base + GITS_BASER + 8L * n, 8);
            if ((v >>> 56 & 7) == TYPE_DEVICES) {
                return (v & VALID) != 0;
            }
        }
        return false;
    }

    private void programMsiX() {
        for (MsiDevice d : devices) {
            for (int v = 0; v < d.vectors(); v++) {
                d.program(v, its.translaterAddress(), v);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // its_probe_one, its_alloc_tables, its_init, its_cpu_init_collection, its_create_device, activate

    private void bringUpIts() {
        long archRev = read(base + GITS_PIDR2, 4) >>> 4 & 0xF;
        check(archRev == 3 || archRev == 4, "GITS_PIDR2.ArchRev 3 or 4");
        forceQuiescent();
        for (int n = 0; n < 8; n++) {
            write(base + GITS_BASER + 8L * n, 8, 0); // its_reset_one
        }
        typer = read(base + GITS_TYPER, 8);
        check((typer & 1) != 0, "GITS_TYPER.Physical");
        for (int n = 0; n < 8; n++) {
            setUpBaser(n);
        }
        check(deviceTable != 0, "a device table GITS_BASER");
        queue = ram.allocate(QUEUE_BYTES, 0x1_0000);
        long cbaser = VALID | CACHE_RAWAWB | SHAREABLE_INNER | queue | (QUEUE_BYTES / 0x1000 - 1);
        write(base + GITS_CBASER, 8, cbaser);
        check(read(base + GITS_CBASER, 8) == cbaser, "GITS_CBASER sticks");
        cwriter = 0;
        write(base + GITS_CWRITER, 8, 0);
        write(base + GITS_CTLR, 4, read(base + GITS_CTLR, 4) | CTLR_ENABLED);
        for (int c = 0; c < config.cpus(); c++) {
            send(command(MAPC, 0, c | rdField(c) | VALID, 0), c);
            send(command(INVALL, 0, c, 0), c);
        }
        for (int d = 0; d < devices.size(); d++) {
            createDevice(devices.get(d));
            for (int v = 0; v < devices.get(d).vectors(); v++) {
                int lpi = config.lpi(d, v);
                int cpu = config.lpiCpu(lpi);
                int dev = devices.get(d).deviceId();
                send(command(MAPTI | (long) dev << 32, v | (long) lpi << 32, cpu, 0), cpu);
                lpiConfig(lpi, true); // unmask: lpi_update_config, then INV
                send(command(INV | (long) dev << 32, v, 0, 0), cpu);
            }
        }
    }

    /** its_force_quiescent. */
    private void forceQuiescent() {
        long ctlr = read(base + GITS_CTLR, 4);
        if ((ctlr & CTLR_ENABLED) != 0 || (ctlr & CTLR_QUIESCENT) == 0) {
            write(base + GITS_CTLR, 4, ctlr & ~CTLR_ENABLED);
            poll(() -> (read(base + GITS_CTLR, 4) & CTLR_QUIESCENT) != 0, "GITS_CTLR.Quiescent");
        }
    }

    /** One GITS_BASER: page size probe, indirection probe for a large table, allocation, write with read-back. */
    private void setUpBaser(int n) {
        long at = base + GITS_BASER + 8L * n;
        long val = read(at, 8);
        int type = (int) (val >>> 56 & 7);
        if (type != TYPE_DEVICES && type != TYPE_COLLECTIONS) {
            return; // unimplemented (or vPEs, which a GICv3 guest leaves alone)
        }
        int code = -1;
        for (int k = 0; k < PAGE_SIZE_CODES.length && code < 0; k++) {
            write(at, 8, (read(at, 8) & ~PAGE_SIZE_MASK) | (long) PAGE_SIZE_CODES[k] << 8);
            if ((read(at, 8) & PAGE_SIZE_MASK) >>> 8 == PAGE_SIZE_CODES[k]) {
                code = PAGE_SIZE_CODES[k];
            }
        }
        check(code >= 0, "a GITS_BASER" + n + " page size that sticks");
        int psz = PAGE_SIZES[2 - code];
        int esz = (int) (val >>> 48 & 0x1F) + 1;
        int ids = type == TYPE_DEVICES ? (int) (typer >>> 13 & 0x1F) + 1 : ceilLog2(config.cpus());
        int entryBytes = esz;
        boolean indirect = false;
        if ((long) esz << ids > 2L * psz) { // its_parse_indirect_baser
            write(at, 8, SHAREABLE_INNER | CACHE_RAWAWB | INDIRECT);
            indirect = (read(at, 8) & INDIRECT) != 0;
            if (indirect) {
                ids -= Integer.numberOfTrailingZeros(psz / esz);
                entryBytes = L1_ENTRY_BYTES;
            }
        }
        long bytes = Math.max((long) entryBytes << ids, psz);
        bytes = (bytes + psz - 1) / psz * psz;
        check(bytes / psz <= 256, "a GITS_BASER" + n + " table of at most 256 pages");
        long pa = ram.allocate(bytes, psz);
        long paField = psz == 0x1_0000 ? (pa & 0xFFFF_FFFF_0000L) | (pa >>> 48 & 0xF) << 12 : pa & 0xFFFF_FFFF_F000L;
        long value = VALID | (indirect ? INDIRECT : 0) | CACHE_RAWAWB | (long) type << 56 | (long) (esz - 1) << 48
            | paField | SHAREABLE_INNER | (long) code << 8 | (bytes / psz - 1);
        write(at, 8, value);
        check(read(at, 8) == value, "GITS_BASER" + n + " sticks");
        if (type == TYPE_DEVICES) {
            deviceTable = pa;
            devicePageBytes = psz;
            deviceTableIndirect = indirect;
        }
    }

    /** its_create_device: a level-2 device table page if needed, a zeroed ITT, MAPD (no SYNC follows). */
    private void createDevice(MsiDevice d) {
        if (deviceTableIndirect) {
            long l1 = deviceTable + (long) L1_ENTRY_BYTES * (d.deviceId() / (devicePageBytes / 8));
            if (ram.load(l1, 8).orElse(0) == 0) {
                check(ram.store(l1, 8, ram.allocate(devicePageBytes, devicePageBytes) | VALID), "L1 entry in RAM");
            }
        }
        int ites = Math.max(2, Integer.highestOneBit(d.vectors() - 1) << 1);
        int ittEntryBytes = (int) (typer >>> 4 & 0xF) + 1;
        long itt = ram.allocate(Math.max((long) ites * ittEntryBytes, 256), 256);
        int size = Integer.numberOfTrailingZeros(ites) - 1; // EventID bits - 1
        send(command(MAPD | (long) d.deviceId() << 32, size, (itt & 0x000F_FFFF_FFFF_FF00L) | VALID, 0), -1);
    }

    /** RDbase field [51:16] of a command naming CPU {@code c}: its processor number, or with PTA its RD_base. */
    private long rdField(int c) {
        boolean pta = (typer >>> 19 & 1) != 0;
        long rd = pta ? rdBase(c) >>> 16 : read(rdBase(c) + GICR_TYPER, 8) >>> 8 & 0xFFFF;
        return (rd & 0xF_FFFF_FFFFL) << 16;
    }

    private static long[] command(long dw0, long dw1, long dw2, long dw3) {
        return new long[] {dw0, dw1, dw2, dw3};
    }

    /**
     * its_send_single_command: the command, a SYNC to CPU {@code syncCpu}'s redistributor unless it is -1,
     * GITS_CWRITER past them, then wait until GITS_CREADR got there.
     */
    private void send(long[] command, int syncCpu) {
        place(command);
        if (syncCpu >= 0) {
            place(command(SYNC, 0, rdField(syncCpu), 0));
        }
        write(base + GITS_CWRITER, 8, cwriter);
        poll(() -> {
            long creadr = read(base + GITS_CREADR, 8);
            check((creadr & CREADR_STALLED) == 0, "an ITS command queue that does not stall");
            return (creadr & QUEUE_OFFSET_MASK) == cwriter;
        }, "ITS command completion");
    }

    private void place(long[] command) {
        long after = (cwriter + 32) % QUEUE_BYTES;
        poll(() -> (read(base + GITS_CREADR, 8) & QUEUE_OFFSET_MASK) != after, "a free ITS queue slot");
        for (int i = 0; i < 4; i++) {
            check(ram.store(queue + cwriter + 8L * i, 8, command[i]), "ITS command queue in RAM");
        }
        cwriter = after;
    }

    private static int ceilLog2(int n) {
        return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
    }
}
