package gic.its.impl.fuzz;

import gic.api.GicConfig;
import gic.api.GicProvider;
import gic.api.ItsConfig;
import gic.api.MmioRegion;
import gic.core.fuzz.Arena;
import gic.core.fuzz.GuestFuzzer;
import gic.its.impl.ErrorPolicy;
import gic.its.impl.ItsGicProvider;
import gic.its.impl.ItsOptions;
import gic.its.impl.TranslationCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@link GuestFuzzer} for the ITS provider: besides the core's operations, every ITS gets hostile (or,
 * in a benign run, orderly) tables, queues and command streams, MSIs at its GITS_TRANSLATER, and a guest
 * that edits its tables behind its back.
 *
 * <p>Tables: flat or two-level, 4/16/64 KiB pages (and the reserved Page_Size 3), from one page to the
 * maximal 256, Valid or not, with reserved and read-only bits set; in a hostile run also outside RAM,
 * straddling its end, overlapping each other or the command queue, with level-1 descriptors that point
 * at the level-1 table itself, outside RAM, or anywhere. Commands: the twelve physical commands built
 * from what the guest mapped so far, then mutated (bits flipped, fields at their extremes, the opcode
 * replaced by any byte, GICv4 opcodes included), posted by moving GITS_CWRITER (32- or 64-bit, with or
 * without Retry, sometimes past the queue).
 */
final class ItsFuzzer extends GuestFuzzer {

    // GITS registers and command numbers (IHI 0069), as the guest writes them
    private static final long CTLR = 0x0;
    private static final long CBASER = 0x80;
    private static final long CWRITER = 0x88;
    private static final long CREADR = 0x90;
    private static final long BASER = 0x100;
    private static final long VALID = 1L << 63;
    private static final long INDIRECT = 1L << 62;
    private static final int MOVI = 0x01, INT = 0x03, CLEAR = 0x04, SYNC = 0x05, MAPD = 0x08, MAPC = 0x09,
        MAPTI = 0x0A, MAPI = 0x0B, INV = 0x0C, INVALL = 0x0D, MOVALL = 0x0E, DISCARD = 0x0F;
    /** Opcodes of random commands, weighted: mapping changes are rarer than the commands that use mappings. */
    private static final int[] OPCODES = {MOVI, MOVI, MOVI, INT, INT, INT, INT, INT, CLEAR, CLEAR, CLEAR, SYNC, SYNC,
        MAPD, MAPC, MAPTI, MAPTI, MAPTI, MAPI, MAPI, INV, INV, INV, INVALL, MOVALL, DISCARD, DISCARD};

    /** What the guest set up on one ITS, as far as it knows. */
    private final class Shadow {
        final int index;
        final ItsConfig cfg;
        final Arena arena;
        MmioRegion region;
        long queue;
        int queueBytes = 0x1000;
        long writeOffset;
        /** IDs whose entries the guest made reachable (inside a flat table or a valid level-2 page). */
        final List<Long> deviceIds = new ArrayList<>();
        final List<Integer> icids = new ArrayList<>();
        /** ICIDs the guest mapped with MAPC. */
        final List<Integer> collections = new ArrayList<>();
        /** deviceId, eventCount, ITT address of devices the guest mapped. */
        final List<long[]> devices = new ArrayList<>();
        /** deviceId, eventId of events the guest mapped. */
        final List<long[]> events = new ArrayList<>();
        /** Where the guest's tables are: device table, collection table (base, bytes). */
        final long[] tables = new long[4];

        Shadow(int index, ItsConfig cfg, Arena arena) {
            this.index = index;
            this.cfg = cfg;
            this.arena = arena;
        }
    }

    private final ItsGicProvider provider;
    private final List<Shadow> shadows = new ArrayList<>();
    private final int cacheSize;
    private long memoryDropsSeen;
    private Object memoryDropsOf;

    private ItsFuzzer(long seed, boolean hostile, GicConfig config, ItsOptions options) {
        super(seed, hostile, config, ramFor(config));
        this.provider = new ItsGicProvider(options);
        this.cacheSize = options.translationCacheSize();
        Arena all = providerArena();
        int n = config.itses().size();
        long share = ((all.end() - all.start()) / n) & -0x10000L;
        for (int i = 0; i < n; i++) {
            long end = i == n - 1 ? all.end() : all.start() + (i + 1) * share;
            Arena arena = new Arena(all.start() + i * share, end, hostile ? null : mem);
            shadows.add(new Shadow(i, config.itses().get(i), arena));
        }
        mem.commandFilter(ItsFuzzer::tableWide);
        op("ITS tables and queue", 1, this::setUpIts);
        op("ITS commands", 12, this::commands);
        op("ITS mappings", 8, this::mapEvents);
        op("ITS poll", 5, this::poll);
        op("GITS_TRANSLATER", 18, this::translate);
        op("ITS registers", 3, this::itsRegisters);
        if (hostile) {
            op("ITS tables edited by the guest", 2, this::editTables);
        }
    }

    /** A fuzzer whose configuration and options come from {@code seed}. */
    static ItsFuzzer of(long seed, boolean hostile) {
        SplittableRandom r = new SplittableRandom(seed);
        int count = r.nextInt(3) == 0 ? 2 : 1;
        List<ItsConfig> itses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int devBits = switch (r.nextInt(4)) {
                case 0 -> 20;
                case 1 -> 1 + r.nextInt(20);
                default -> 16;
            };
            int evBits = r.nextInt(3) == 0 ? 1 + r.nextInt(16) : 16;
            long base = i == 0 ? GicConfig.VIRT_ITS_BASE : 0x0A00_0000L;
            itses.add(new ItsConfig(base, devBits, evBits, r.nextInt(3) == 0));
        }
        GicConfig config = randomConfig(r, itses);
        List<ErrorPolicy> policies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            policies.add(r.nextBoolean() ? ErrorPolicy.SKIP : ErrorPolicy.STALL);
        }
        int cache = switch (r.nextInt(5)) {
            case 0 -> 0;
            case 1 -> 1 + r.nextInt(64);
            default -> 4096;
        };
        ItsOptions options = new ItsOptions(1, 0x0808_0000L, 0x2_0000L, 16, 16, false, cache, policies);
        return new ItsFuzzer(seed, hostile, config, options);
    }

    @Override
    protected GicProvider provider() {
        return provider;
    }

    // ---------------------------------------------------------------------------------------------
    // Invariant hooks

    /** INVALL, MOVALL and MAPC with V = 1 cost a whole LPI table (README "Commands and errors"). */
    private static boolean tableWide(byte[] c) {
        int op = c[0] & 0xFF;
        return op == INVALL || op == MOVALL || op == MAPC && (c[23] & 0x80) != 0;
    }

    @Override
    protected long retainedExtra() {
        long entries = cacheSize == 0 ? 0
            : Long.highestOneBit(Math.min(cacheSize, TranslationCache.MAX_ENTRIES) * 2L - 1);
        return config.itses().size() * (entries * 64 + (16 << 10));
    }

    @Override
    protected long faultsNoticedOtherwise() {
        if (memoryDropsOf != gic) {
            memoryDropsOf = gic;
            memoryDropsSeen = 0;
        }
        long now = 0;
        for (Map.Entry<String, Long> e : gic.counters().entrySet()) {
            if (e.getKey().endsWith(".msi.dropped.memory")) {
                now += e.getValue();
            }
        }
        long fresh = now - memoryDropsSeen;
        memoryDropsSeen = now;
        return fresh;
    }

    @Override
    protected List<Long> doorbells() {
        List<Long> out = new ArrayList<>();
        for (ItsConfig c : config.itses()) {
            out.add(c.translaterAddress());
        }
        return out;
    }

    @Override
    protected long[] registerOffsets(MmioRegion region) {
        if (!region.name().startsWith("ITS")) {
            return super.registerOffsets(region);
        }
        return new long[] {0x0, 0x4, 0x8, 0xC, 0x80, 0x84, 0x88, 0x8C, 0x90, 0x94, 0x100, 0x104, 0x108, 0x10C, 0x110,
            0x118, 0x138, 0x13C, 0xC000, 0xFFD0, 0xFFE8, 0xFFFC, 0x10000, 0x10040, 0x10044, 0x1FFF8};
    }

    @Override
    protected boolean pointerRegister(MmioRegion region, long offset, int size) {
        if (!region.name().startsWith("ITS")) {
            return super.pointerRegister(region, offset, size);
        }
        long end = offset + Math.max(size, 8);
        return offset < 0x88 && end > 0x80 || offset < 0x140 && end > 0x100;
    }

    // ---------------------------------------------------------------------------------------------
    // Set-up

    @Override
    protected void bringUpLpiBackEnd() {
        for (Shadow s : shadows) {
            s.region = gic.regionAt(s.cfg.base());
            setUp(s, false);
            for (int c = 0; c < config.cpuCount(); c++) {
                post(s, mapc(c, rd(s, c), true), command(SYNC, 0, rdField(rd(s, c)), 0));
                s.collections.add(c);
            }
        }
    }

    private Shadow anyIts() {
        Shadow s = shadows.get(rng.nextInt(shadows.size()));
        s.region = gic.regionAt(s.cfg.base());
        return s;
    }

    private void setUpIts() {
        setUp(anyIts(), hostile && chance(50));
    }

    /** Disables the ITS, gives it new tables and a new queue, and enables it again. */
    private void setUp(Shadow s, boolean wild) {
        writeIts(s, CTLR, 4, 0);
        s.arena.reset();
        s.deviceIds.clear();
        s.icids.clear();
        s.collections.clear();
        s.devices.clear();
        s.events.clear();
        int pages = chance(80) ? 1 + rng.nextInt(4) : chance(75) ? 1 + rng.nextInt(16) : 1 + rng.nextInt(256);
        long queue = wild && chance(50) ? tableAddress(pages * 0x1000L, 0x10000) : alloc(s, pages * 0x1000L, 0x10000);
        if (queue < 0) {
            pages = 1;
            queue = alloc(s, 0x1000, 0x10000); // the arena is empty: a 4 KiB queue always fits
        }
        if (wild && chance(20)) {
            queue = s.tables[rng.nextInt(2) * 2] & -0x10000L; // the queue over the last tables
        }
        s.queue = queue;
        s.queueBytes = pages * 0x1000;
        s.writeOffset = 0;
        table(s, 0, wild);
        table(s, 1, wild);
        long cbaser = (!wild || chance(95) ? VALID : 0) | (queue & 0x000F_FFFF_FFFF_F000L) | (pages - 1)
            | (anyLong() & (0x7L << 59 | 0x7L << 53 | 0x3L << 10));
        if (wild && chance(30)) {
            cbaser |= anyLong() & (0x7L << 56 | 0x1L << 52 | 0x3FFL << 0 & ~0xFFL | 0xF000L);
        }
        write64(s, CBASER, cbaser);
        write64(s, CWRITER, 0);
        writeIts(s, CTLR, 4, chance(97) ? 1 : anyLong());
    }

    /** Programs GITS_BASER{@code n} (0: devices, 1: collections) with a table of random shape. */
    private void table(Shadow s, int n, boolean wild) {
        int pageCode = chance(90) ? rng.nextInt(3) : 3;
        long page = pageCode == 0 ? 0x1000 : pageCode == 1 ? 0x4000 : 0x10000;
        boolean indirect = chance(35);
        int pages = chance(85) ? 1 + rng.nextInt(2) : 1 + rng.nextInt(256);
        if (!wild) {
            pages = (int) Math.min(pages, Math.max(1, (s.arena.end() - s.arena.start()) / 4 / page));
        }
        long base = wild ? tableAddress(pages * page, page) : alloc(s, pages * page, page);
        if (base < 0) {
            pages = 1;
            base = alloc(s, page, page);
        }
        boolean valid = !wild || chance(90);
        if (base < 0) {
            base = 0; // no room left: an invalid table, which the ITS never reads
            valid = false;
        }
        if (wild && chance(25)) {
            base = s.tables[(1 - n) * 2]; // both tables at one place
        }
        s.tables[n * 2] = base;
        s.tables[n * 2 + 1] = pages * page;
        long pa = page == 0x10000 && pageCode != 3
            ? (base & 0xFFFF_FFFF_0000L) | (base >>> 48 & 0xF) << 12
            : base & 0xFFFF_FFFF_F000L;
        long v = (valid ? VALID : 0) | (indirect ? INDIRECT : 0) | pa | (long) pageCode << 8 | (pages - 1)
            | (anyLong() & (0x7L << 59 | 0x7L << 53 | 0x3L << 10));
        if (hostile && chance(20)) {
            v |= anyLong() & (0x7L << 56 | 0x1FL << 48); // Type and Entry_Size are read-only
        }
        write64(s, BASER + 8L * n, v);
        if (!valid) {
            return;
        }
        long perPage = page / 8;
        long idLimit = n == 0 ? 1L << s.cfg.deviceIdBits() : 1L << 16;
        if (!indirect) {
            for (int k = 0; k < 6; k++) {
                long id = k < 2 ? k : rng.nextLong(Math.min(pages * perPage, idLimit) + 2);
                addId(s, n, id);
            }
            return;
        }
        // two-level: some valid level-2 pages, and (hostile) some level-1 descriptors that point nowhere good
        for (int k = 0; k < 1 + rng.nextInt(3); k++) {
            long usable = Math.max(1, Math.min(pages * perPage, (idLimit + perPage - 1) / perPage));
            long l1 = k == 0 ? 0 : rng.nextLong(chance(80) ? usable : pages * perPage);
            long l2 = wild && chance(30) ? tableAddress(page, page) : alloc(s, page, page);
            if (l2 < 0 || l1 * 8 >= pages * page) {
                continue;
            }
            if (wild && chance(20)) {
                l2 = base; // the level-1 table points at itself
            }
            long descriptor = VALID | (l2 & 0x000F_FFFF_FFFF_F000L);
            if (wild && chance(20)) {
                descriptor |= anyLong() & 0x7FF0_0000_0000_0FFFL;
            }
            pokeIfInRam(base + 8 * l1, descriptor);
            addId(s, n, l1 * perPage + (k == 0 ? 0 : rng.nextLong(perPage)));
            addId(s, n, l1 * perPage + (k == 0 ? 1 : perPage - 1));
        }
        if (wild) {
            for (int k = 0; k < 3; k++) {
                pokeIfInRam(base + 8 * rng.nextLong(Math.min(pages * perPage, 4096)),
                    pick(VALID | base, VALID | mem.end(), VALID | (1L << 51), anyLong(), VALID));
            }
        }
    }

    /**
     * A piece of the ITS's arena, zeroed as a driver zeroes the memory it gives an ITS (a hostile guest
     * sometimes leaves stale contents, which then decode as entries and commands); -1 if none fits.
     */
    private long alloc(Shadow s, long bytes, long align) {
        long a = s.arena.alloc(bytes, align);
        if (a >= 0 && (!hostile || chance(70))) {
            mem.ram().fill(a, (int) bytes, 0);
        }
        return a;
    }

    private void addId(Shadow s, int table, long id) {
        if (table == 0 && id >= 1L << s.cfg.deviceIdBits() && chance(80)) {
            return; // keep mostly IDs the ITS can map
        }
        if (table == 0) {
            if (s.deviceIds.size() < 32) {
                s.deviceIds.add(id);
            }
        } else if (s.icids.size() < 32) {
            s.icids.add((int) id);
        }
    }

    private void pokeIfInRam(long address, long value) {
        if (mem.inRam(address, 8)) {
            mem.poke(address, 8, value);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Commands

    private void commands() {
        Shadow s = anyIts();
        int n = chance(90) ? 1 + rng.nextInt(12) : 1 + rng.nextInt(300);
        long[][] cmds = new long[n][];
        for (int i = 0; i < n; i++) {
            cmds[i] = mutate(s, validCommand(s));
        }
        if (chance(70)) {
            cmds = appendSync(s, cmds);
        }
        post(s, cmds);
    }

    private long[][] appendSync(Shadow s, long[][] cmds) {
        long[][] out = java.util.Arrays.copyOf(cmds, cmds.length + 1);
        out[cmds.length] = command(SYNC, 0, rdField(rd(s, anyCpu())), 0);
        return out;
    }

    /**
     * What a driver does to give a device its interrupts, with IDs the tables can hold: MAPD with a fresh
     * ITT, MAPC unless the collection is mapped, MAPTI of a few events, SYNC. Deep state for the rest of the
     * mix to work on.
     */
    private void mapEvents() {
        Shadow s = anyIts();
        if (s.deviceIds.isEmpty()) {
            return;
        }
        long dev = s.deviceIds.get(rng.nextInt(s.deviceIds.size()));
        if (dev >= 1L << s.cfg.deviceIdBits()) {
            dev = s.deviceIds.get(0); // the first ID of the first page, which every table has
        }
        List<long[]> cmds = new ArrayList<>();
        long[] mapped = null;
        for (long[] d : s.devices) {
            if (d[0] == dev) {
                mapped = d;
            }
        }
        long events;
        if (mapped != null && chance(85)) {
            events = mapped[1]; // more events of a mapped device: its ITT stays
        } else {
            int size = rng.nextInt(Math.min(6, s.cfg.eventIdBits()));
            long itt = alloc(s, Math.max(256, 8L << (size + 1)), 256);
            if (itt < 0) {
                return;
            }
            events = 1L << (size + 1);
            cmds.add(command(MAPD | dev << 32, size, itt | VALID, 0));
            long d = dev;
            s.devices.removeIf(x -> x[0] == d);
            s.events.removeIf(x -> x[0] == d); // a new ITT: the old mappings are gone
            s.devices.add(new long[] {dev, events, itt});
            if (s.devices.size() > 32) {
                s.devices.remove(0);
            }
        }
        int icid;
        if (!s.collections.isEmpty() && chance(80)) {
            icid = s.collections.get(rng.nextInt(s.collections.size()));
        } else {
            icid = s.icids.isEmpty() ? rng.nextInt(config.cpuCount()) : s.icids.get(rng.nextInt(s.icids.size()));
            cmds.add(mapc(icid, rd(s, anyCpu()), true));
            s.collections.add(icid);
        }
        for (int k = 0; k < 1 + rng.nextInt(8); k++) {
            long ev = rng.nextLong(events);
            cmds.add(command(MAPTI | dev << 32, ev | (8192L + rng.nextInt(256)) << 32, icid, 0));
            remember(s, dev, ev);
        }
        cmds.add(command(SYNC, 0, rdField(rd(s, 0)), 0));
        post(s, cmds.toArray(new long[0][]));
        settle(s, 32);
    }

    /** Writes the commands at the guest's write offset and moves GITS_CWRITER past them, as a driver does. */
    private void post(Shadow s, long[]... cmds) {
        long creadr = readIts(s, CREADR, 8) & 0xF_FFE0L;
        // GITS_CWRITER, re-read: a random write elsewhere may have moved it
        s.writeOffset = readIts(s, CWRITER, 8) & 0xF_FFE0L;
        long w = s.writeOffset % s.queueBytes;
        int posted = 0;
        for (long[] c : cmds) {
            long after = (w + 32) % s.queueBytes;
            if (after == creadr && chance(95)) {
                break; // full: a driver waits; sometimes it does not
            }
            for (int k = 0; k < 4; k++) {
                long at = s.queue + w + 8L * k;
                if (mem.inRam(at, 8)) {
                    mem.poke(at, 8, c[k]);
                }
            }
            w = after;
            posted++;
        }
        s.writeOffset = w;
        long v = w;
        if (chance(10)) {
            v |= 1; // Retry
        }
        if (hostile && chance(1)) {
            v = anyLong() & 0xF_FFFFL;
        }
        if (chance(50)) {
            writeIts(s, CWRITER, 4, v);
        } else {
            write64(s, CWRITER, v);
        }
        if (posted == 0) {
            readIts(s, CREADR, 8);
        }
        if (chance(80)) {
            settle(s, 32);
        }
    }

    /**
     * What a careful driver does after posting: polls GITS_CREADR and, while the queue is stalled, mends
     * the failing command (a SYNC in its place, most of the time) and writes GITS_CWRITER with Retry.
     */
    private void settle(Shadow s, int attempts) {
        long creadr = readIts(s, CREADR, 8);
        for (int k = 0; k < attempts && (creadr & 1) != 0 && chance(90); k++) {
            long at = s.queue + (creadr & 0xF_FFE0L);
            if (chance(90) && mem.inRam(at, 32)) {
                mem.poke(at, 8, SYNC);
                mem.poke(at + 8, 8, 0);
                mem.poke(at + 16, 8, rdField(rd(s, 0)));
                mem.poke(at + 24, 8, 0);
            }
            write64(s, CWRITER, readIts(s, CWRITER, 8) | 1);
            creadr = readIts(s, CREADR, 8);
        }
    }

    /** A well-formed command built from what the guest mapped so far (its IDs may still be out of range). */
    private long[] validCommand(Shadow s) {
        int op = OPCODES[rng.nextInt(OPCODES.length)];
        if (s.devices.isEmpty() && chance(60)) {
            op = MAPD;
        } else if (s.events.isEmpty() && chance(50)) {
            op = pick(MAPTI, MAPI);
        } else if (s.collections.isEmpty() && chance(50)) {
            op = MAPC;
        }
        long[] device = s.devices.isEmpty() || chance(15) ? null : s.devices.get(rng.nextInt(s.devices.size()));
        long dev = device != null ? device[0] : anyDevice(s);
        long ev = device != null && chance(85) ? rng.nextLong(device[1]) : anyEvent(s, dev);
        long[] known = s.events.isEmpty() || chance(30) ? null : s.events.get(rng.nextInt(s.events.size()));
        int icid = !s.collections.isEmpty() && chance(80) ? s.collections.get(rng.nextInt(s.collections.size()))
            : anyIcid(s);
        return switch (op) {
            case MAPD -> mapd(s, !s.deviceIds.isEmpty() && chance(70)
                ? s.deviceIds.get(rng.nextInt(s.deviceIds.size())) : dev);
            case MAPC -> {
                int id = chance(80) ? anyIcid(s) : icid;
                boolean valid = chance(90);
                if (valid && s.collections.size() < 16 && (s.icids.contains(id) || id <= config.cpuCount())) {
                    s.collections.add(id);
                }
                yield mapc(id, chance(90) ? rd(s, anyCpu()) : anyLong() & 0xF_FFFF_FFFFL, valid);
            }
            case MAPTI -> {
                long pintid = chance(85) ? 8192 + rng.nextInt(256) : anyIntid() & 0xFFFF_FFFFL;
                yield command(MAPTI | dev << 32, ev | pintid << 32, icid, 0);
            }
            case MAPI -> command(MAPI | dev << 32, ev, icid, 0);
            case MOVALL -> command(MOVALL, 0, rdField(rd(s, anyCpu())),
                rdField(chance(90) ? rd(s, anyCpu()) : anyLong()));
            case SYNC -> command(SYNC, 0, rdField(rd(s, anyCpu())), 0);
            case INVALL -> command(INVALL, 0, icid, 0);
            case MOVI -> known != null ? command(MOVI | known[0] << 32, known[1], icid, 0)
                : command(MOVI | dev << 32, ev, icid, 0);
            default -> {
                if (known != null && op == DISCARD) {
                    s.events.remove(known);
                }
                yield known != null ? command(op | known[0] << 32, known[1], 0, 0) : command(op | dev << 32, ev, 0, 0);
            }
        };
    }

    private long[] mapd(Shadow s, long dev) {
        boolean valid = chance(90);
        int size = chance(80) ? rng.nextInt(6) : rng.nextInt(32);
        long itt = ittFor(s, size);
        if (itt < 0) {
            valid = false;
            itt = 0;
        }
        if (valid && size < s.cfg.eventIdBits()) {
            s.devices.removeIf(x -> x[0] == dev);
            s.events.removeIf(x -> x[0] == dev);
            if (s.devices.size() < 32) {
                s.devices.add(new long[] {dev, 1L << (size + 1), itt});
            } else {
                s.devices.set(rng.nextInt(32), new long[] {dev, 1L << (size + 1), itt});
            }
        }
        return command(MAPD | dev << 32, size, (itt & 0x000F_FFFF_FFFF_FF00L) | (valid ? VALID : 0), 0);
    }

    /** An ITT for 2^(size+1) events: its own piece of the arena; hostile, sometimes anywhere. -1 if none fits. */
    private long ittFor(Shadow s, int size) {
        long bytes = Math.max(256, 8L << Math.min(size + 1, 17));
        if (hostile && chance(20)) {
            return tableAddress(bytes, 256);
        }
        return alloc(s, bytes, 256);
    }

    private void remember(Shadow s, long dev, long ev) {
        long[] e = {dev, ev};
        if (s.events.size() < 64) {
            s.events.add(e);
        } else {
            s.events.set(rng.nextInt(64), e);
        }
    }

    private long anyDevice(Shadow s) {
        int k = rng.nextInt(10);
        if (k < 5 && !s.devices.isEmpty()) {
            return s.devices.get(rng.nextInt(s.devices.size()))[0];
        }
        if (k < 8 && !s.deviceIds.isEmpty()) {
            return s.deviceIds.get(rng.nextInt(s.deviceIds.size()));
        }
        return k == 8 ? rng.nextLong(1L << s.cfg.deviceIdBits()) : anyLong() & 0xFFFF_FFFFL;
    }

    private long anyEvent(Shadow s, long dev) {
        for (long[] d : s.devices) {
            if (d[0] == dev && chance(80)) {
                return rng.nextLong(d[1] + 1);
            }
        }
        return chance(50) ? rng.nextInt(64) : anyLong() & 0xFFFF_FFFFL;
    }

    private int anyIcid(Shadow s) {
        if (!s.icids.isEmpty() && chance(60)) {
            return s.icids.get(rng.nextInt(s.icids.size())) & 0xFFFF;
        }
        return chance(70) ? rng.nextInt(config.cpuCount() + 2) : rng.nextInt(1 << 16);
    }

    /**
     * A command, sometimes mutated: bits flipped, a doubleword at an extreme, the opcode replaced. In a
     * benign run a mutation never leaves a MAPD that maps an ITT outside the guest's pieces of RAM.
     */
    private long[] mutate(Shadow s, long[] c) {
        boolean mutated = chance(hostile ? 30 : 15);
        if (mutated) {
            switch (rng.nextInt(4)) {
                case 0 -> {
                    for (int k = 0; k < 1 + rng.nextInt(3); k++) {
                        c[rng.nextInt(4)] ^= 1L << rng.nextInt(64);
                    }
                }
                case 1 -> c[rng.nextInt(4)] = anyLong();
                case 2 -> c[0] = (c[0] & ~0xFFL) | rng.nextInt(256);
                default -> c[0] = (c[0] & ~0xFFL) | pick(0x20, 0x21, 0x22, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2D,
                    0x00, 0x02, 0x06, 0x07, 0xFF);
            }
        }
        if (hostile && chance(3)) {
            c = new long[] {anyLong(), anyLong(), anyLong(), anyLong()};
        }
        if (!hostile && mutated && (c[0] & 0xFF) == MAPD && (c[2] & VALID) != 0) {
            int size = (int) (c[1] & 0x1F);
            long itt = ittFor(s, size);
            c[2] = itt < 0 ? c[2] & ~VALID : (c[2] & ~0x000F_FFFF_FFFF_FF00L) | (itt & 0x000F_FFFF_FFFF_FF00L);
        }
        return c;
    }

    private static long[] command(long dw0, long dw1, long dw2, long dw3) {
        return new long[] {dw0, dw1, dw2, dw3};
    }

    private static long[] mapc(int icid, long rd, boolean valid) {
        return command(MAPC, 0, (icid & 0xFFFF) | rdField(rd) | (valid ? VALID : 0), 0);
    }

    private static long rdField(long rd) {
        return (rd & 0xF_FFFF_FFFFL) << 16;
    }

    /** The RDbase naming CPU {@code cpu} on ITS {@code s}: its number, or with PTA its RD_base PA[51:16]. */
    private long rd(Shadow s, int cpu) {
        return s.cfg.pta() ? (config.redistributorBase() + cpu * GicConfig.REDISTRIBUTOR_STRIDE) >>> 16 : cpu;
    }

    // ---------------------------------------------------------------------------------------------
    // Polling, MSIs, registers, the guest's own table edits

    private void poll() {
        Shadow s = anyIts();
        for (int i = 0; i < 1 + rng.nextInt(3); i++) {
            readIts(s, pick(CREADR, CTLR, CWRITER, 0x8L), pick(8, 4));
        }
        settle(s, 8);
    }

    private void translate() {
        Shadow s = anyIts();
        long dev;
        long ev;
        if (!s.events.isEmpty() && chance(85)) {
            long[] e = s.events.get(rng.nextInt(s.events.size()));
            dev = e[0];
            ev = e[1];
        } else {
            dev = anyDevice(s);
            ev = anyEvent(s, dev);
        }
        int size = chance(90) ? 4 : pick(2, 2, 1, 8, 0, 3);
        msi(s.cfg.translaterAddress(), size, chance(95) ? ev : anyLong(), (int) dev);
    }

    private void itsRegisters() {
        Shadow s = anyIts();
        switch (rng.nextInt(6)) {
            case 0 -> writeIts(s, CTLR, 4, rng.nextInt(2));
            case 1 -> write64(s, CWRITER, readIts(s, CWRITER, 8) | rng.nextInt(2));
            case 2 -> {
                if (hostile) {
                    write64(s, BASER + 8L * rng.nextInt(8), anyLong()); // ignored while enabled, or taken
                }
            }
            case 3 -> {
                if (hostile) {
                    write64(s, CBASER, anyLong());
                }
            }
            case 4 -> write64(s, BASER + 8L * (2 + rng.nextInt(6)), anyLong()); // RAZ/WI
            default -> readIts(s, BASER + 8L * rng.nextInt(8), 8);
        }
    }

    /** The guest writes its ITS tables directly: DTEs, CTEs, ITEs, level-1 descriptors, command slots. */
    private void editTables() {
        Shadow s = anyIts();
        long value = switch (rng.nextInt(6)) {
            case 0 -> VALID | 1L << 49 | ((tableAddress(256, 256) >>> 8) << 5) | rng.nextInt(32); // DTE
            case 1 -> VALID | (long) rng.nextInt(config.cpuCount() + 3) << 16 | rng.nextInt(1 << 16); // CTE
            case 2 -> 1L << 48 | (anyIntid() & 0xFFFF_FFFFL) << 16 | rng.nextInt(1 << 16); // ITE
            case 3 -> VALID | (tableAddress(0x1000, 0x1000) & 0x000F_FFFF_FFFF_F000L); // L1
            default -> anyLong();
        };
        long where;
        int k = rng.nextInt(4);
        if (k < 2 && s.tables[k * 2 + 1] > 0) {
            where = s.tables[k * 2] + (rng.nextLong(Math.min(s.tables[k * 2 + 1], 1 << 16)) & ~7L);
        } else if (k == 2 && !s.devices.isEmpty()) {
            long[] d = s.devices.get(rng.nextInt(s.devices.size()));
            where = d[2] + 8 * rng.nextLong(d[1]);
        } else {
            where = s.queue + (rng.nextLong(s.queueBytes) & ~7L);
        }
        pokeIfInRam(where, value);
    }

    // ---------------------------------------------------------------------------------------------
    // Register access

    private long readIts(Shadow s, long offset, int size) {
        return read(s.region, offset, size);
    }

    private void writeIts(Shadow s, long offset, int size, long value) {
        write(s.region, offset, size, value);
    }

    /** A 64-bit register as a guest writes it: one 64-bit access, or two 32-bit halves (low first). */
    private void write64(Shadow s, long offset, long value) {
        if (chance(75)) {
            write(s.region, offset, 8, value);
        } else {
            write(s.region, offset, 4, value & 0xFFFF_FFFFL);
            write(s.region, offset + 4, 4, value >>> 32);
        }
    }

    @Override
    public String describe() {
        return config + " cache " + cacheSize + " " + provider.options().errorPolicies()
            + (hostile ? " hostile" : " benign");
    }
}
