package gic.its.impl;

import static gic.core.RegOffsets.GICR_CTLR;
import static gic.core.RegOffsets.GICR_PENDBASER;
import static gic.core.RegOffsets.GICR_PROPBASER;
import static gic.core.RegOffsets.PTZ;
import static gic.core.TestGic.GRP1;
import static gic.core.TestGic.LPI_BASE;
import static gic.core.TestGic.PROP;
import static gic.core.TestGic.bringUpAllCpus;
import static gic.core.TestGic.drainGroup1;
import static gic.core.TestGic.host;
import static gic.core.TestGic.pendTable;
import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import gic.core.GicCore;
import gic.core.Regs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ITS driven as Linux 6.x's {@code irq-gic-v3-its.c} drives it (ITS.md 1.12), on a strict host: any
 * guest error fails the test. Bring-up ({@link #probeAndBringUp}): probe (PIDR2, force quiescent), 0 to
 * every GITS_BASER, GITS_TYPER, BASER page-size probe and set-up with read-back (two-level device table,
 * as Linux chooses for 16 DeviceID bits), CBASER with read-back, CWRITER = 0, Enabled; per CPU the LPI
 * tables and EnableLPIs, then MAPC + SYNC and INVALL + SYNC. Every command is posted as
 * {@code its_send_single_command} does (builder, SYNC to the collection the builder returns, a 32-bit
 * CWRITER write) and completion is awaited by polling GITS_CREADR like
 * {@code its_wait_for_range_completion}.
 *
 * <p>Devices: A (DeviceID 0x10, four vectors → CPUs 0..3) and B (DeviceID 0x2001, in another level-2 page,
 * two vectors → CPUs 3 and 0). Vectors are unmasked long after EnableLPIs, as on Linux.
 */
class LinuxDriverScenarioTest {

    // Linux's field values (arm-gic-v3.h)
    private static final long BASER_RAWAWB = 7L << 59;
    private static final long BASER_INNER_SHAREABLE = 1L << 10;
    private static final long BASER_SHAREABILITY_MASK = 3L << 10;
    private static final long BASER_PAGE_SIZE_MASK = 3L << 8;
    private static final long GICR_RAWAWB = 7L << 7;
    private static final long GICR_INNER_SHAREABLE = 1L << 10;
    private static final long GICR_TYPER = 0x0008;
    private static final int LPI_PROP_DEFAULT_PRIO = 0xA0;
    private static final int LPI_PROP_GROUP1 = 0x02;
    private static final int LPI_PROP_ENABLED = 0x01;
    private static final int ITS_CMD_QUEUE_SZ = 0x1_0000;
    private static final int CPUS = 4;

    private static final int DEV_A = 0x10;
    private static final int DEV_B = 0x2001;
    private static final int LPI_A = LPI_BASE;       // vectors 0..3 of A
    private static final int LPI_B = LPI_BASE + 4;   // vectors 0..1 of B

    private GicCore gic;
    private ItsDriver its; // GITS register access and guest memory; the queue is this class's own
    private long typer;
    private long cmdBase;
    private long cmdWrite;
    private long deviceL1;
    private int devicePageBytes;
    private final long[] collectionTarget = new long[CPUS];
    private final List<Integer> vectorCpu = new ArrayList<>();

    @BeforeEach
    void probeAndBringUp() {
        gic = machine(CPUS).create(new ItsGicProvider());
        its = new ItsDriver(gic, 0);
        bringUpAllCpus(gic, 0xFF, GRP1); // GIC distributor / CPU interface side of gic_init

        // its_probe_one: PIDR2.ArchRev is 3 or 4
        long archRev = its.read32(GITS_PIDR2) & 0xF0;
        assertTrue(archRev == 0x30 || archRev == 0x40, "no ITS detected");
        forceQuiescent();
        // its_reset_one: 0 to all eight BASERs
        for (int i = 0; i < 8; i++) {
            its.write64(GITS_BASER + 8L * i, 0);
        }
        typer = its.read64(GITS_TYPER);
        assertEquals(1, typer & 1, "Physical");
        assertEquals(0, typer >>> 19 & 1, "PTA = 0 (this scenario names RDs by number)");
        allocTables();
        // its_init: 64 KiB queue, CBASER with read-back, CWRITER = 0, Enabled
        cmdBase = its.alloc(ITS_CMD_QUEUE_SZ, 0x1_0000);
        long cbaser = cmdBase | BASER_RAWAWB | BASER_INNER_SHAREABLE | (ITS_CMD_QUEUE_SZ / 0x1000 - 1) | VALID;
        its.write64(GITS_CBASER, cbaser);
        assertEquals(cbaser, its.read64(GITS_CBASER), "CBASER read-back");
        cmdWrite = 0;
        its.write64(GITS_CWRITER, 0);
        its.write32(GITS_CTLR, its.read32(GITS_CTLR) | CTLR_ENABLED);

        // its_setup_lpi_prop_table: every LPI at the default priority, Group 1, disabled
        its.mem.fill(PROP, 1 << 16, LPI_PROP_DEFAULT_PRIO | LPI_PROP_GROUP1);
        for (int cpu = 0; cpu < CPUS; cpu++) {
            cpuInitLpis(cpu);
        }
        for (int cpu = 0; cpu < CPUS; cpu++) {
            cpuInitCollection(cpu);
        }
    }

    @AfterEach
    void noGuestErrors() {
        try {
            assertEquals(List.of(), host(gic).guestErrors());
            assertEquals(0, its.its().errorCount(), "command errors");
        } finally {
            gic.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Linux's steps

    /** its_force_quiescent. */
    private void forceQuiescent() {
        long ctlr = its.read32(GITS_CTLR);
        if ((ctlr & CTLR_ENABLED) == 0 && (ctlr & CTLR_QUIESCENT) != 0) {
            return;
        }
        its.write32(GITS_CTLR, ctlr & ~CTLR_ENABLED);
        for (int count = 1_000_000; (its.read32(GITS_CTLR) & CTLR_QUIESCENT) == 0; count--) {
            if (count == 0) {
                fail("ITS: failed to quiesce");
            }
        }
    }

    /** its_alloc_tables: per implemented BASER, page-size probe, indirection probe, set-up with read-back. */
    private void allocTables() {
        for (int i = 0; i < 8; i++) {
            long val = its.read64(GITS_BASER + 8L * i);
            int type = (int) (val >>> 56 & 7);
            if (type == 0) {
                assertTrue(i >= 2, "BASER0/1 are implemented");
                continue;
            }
            int psz = probePageSize(i);
            assertEquals(0x1_0000, psz, "64 KiB pages stick");
            int esz = (int) (val >>> 48 & 0x1F) + 1;
            assertEquals(8, esz);
            boolean indirect = false;
            long tableBytes = psz;
            if (type == TYPE_DEVICES) {
                int ids = (int) (typer >>> 13 & 0x1F) + 1;
                if ((long) esz << ids > psz * 2L) { // its_parse_indirect_baser
                    its.write64(GITS_BASER + 8L * i, BASER_INNER_SHAREABLE | BASER_RAWAWB | INDIRECT);
                    indirect = (its.read64(GITS_BASER + 8L * i) & INDIRECT) != 0;
                    assertTrue(indirect, "the device table can be two-level");
                    ids -= Integer.numberOfTrailingZeros(psz / esz);
                    tableBytes = Math.max(8L << ids, psz);
                }
            } else {
                assertEquals(TYPE_COLLECTIONS, type);
            }
            long base = its.alloc(tableBytes, psz);
            // its_setup_baser
            long v = base | (long) type << 56 | (long) (esz - 1) << 48 | (tableBytes / psz - 1) | BASER_RAWAWB
                | BASER_INNER_SHAREABLE | VALID | (indirect ? INDIRECT : 0) | (long) PAGE_64K << 8;
            its.write64(GITS_BASER + 8L * i, v);
            long tmp = its.read64(GITS_BASER + 8L * i);
            assertEquals(0, (v ^ tmp) & BASER_SHAREABILITY_MASK, "shareability sticks");
            assertEquals(v, tmp, "GITS_BASER" + i + " doesn't stick");
            Table t = new Table(i, base, psz, (int) (tableBytes / psz), indirect); // for ItsDriver's entry readers
            if (type == TYPE_DEVICES) {
                deviceL1 = base;
                devicePageBytes = psz;
                its.devices = t;
            } else {
                its.collections = t;
            }
        }
    }

    /** its_probe_baser_psz. */
    private int probePageSize(int n) {
        int[] sizes = {0x1_0000, 0x4000, 0x1000};
        int[] codes = {PAGE_64K, PAGE_16K, PAGE_4K};
        for (int k = 0; k < sizes.length; k++) {
            long val = its.read64(GITS_BASER + 8L * n) & ~BASER_PAGE_SIZE_MASK;
            its.write64(GITS_BASER + 8L * n, val | (long) codes[k] << 8);
            if ((its.read64(GITS_BASER + 8L * n) & BASER_PAGE_SIZE_MASK) >>> 8 == codes[k]) {
                return sizes[k];
            }
        }
        return fail("no page size sticks");
    }

    /** its_cpu_init_lpis. */
    private void cpuInitLpis(int cpu) {
        long rdTyper = Regs.gicrRead(gic, cpu, GICR_TYPER, 8);
        assertEquals(1, rdTyper & 1, "PLPIS");
        assertEquals(0, rdTyper & 8, "no DirectLPI: Linux invalidates with the ITS INV command");
        long prop = PROP | GICR_INNER_SHAREABLE | GICR_RAWAWB | 15; // LPI_NRBITS = 16
        Regs.gicr(gic, cpu, GICR_PROPBASER, 8, prop);
        assertEquals(0, (Regs.gicrRead(gic, cpu, GICR_PROPBASER, 8) ^ prop) & (3L << 10), "PROPBASER shareability");
        long pend = pendTable(cpu) | GICR_INNER_SHAREABLE | GICR_RAWAWB | PTZ;
        Regs.gicr(gic, cpu, GICR_PENDBASER, 8, pend);
        Regs.gicr(gic, cpu, GICR_CTLR, Regs.gicr(gic, cpu, GICR_CTLR) | 1);
        assertTrue(gic.redistributor(cpu).lpisEnabled());
    }

    /** its_cpu_init_collection: MAPC (+ SYNC), INVALL (+ SYNC). ICID = CPU number. */
    private void cpuInitCollection(int cpu) {
        long rdTyper = Regs.gicrRead(gic, cpu, GICR_TYPER, 8);
        long target = (rdTyper >>> 8 & 0xFFFF) << 16; // GICR_TYPER.Processor_Number << 16
        collectionTarget[cpu] = target;
        send(mapc(cpu, target >>> 16, true), cpu);
        send(invall(cpu), cpu);
        assertEquals(cteValue(cpu, cpu), its.cte(cpu));
    }

    /**
     * its_send_single_command: the command, then a SYNC to the collection {@code syncCpu} (-1: none, as
     * for MAPD), one 32-bit CWRITER write, then {@link #waitForRangeCompletion}.
     */
    private void send(long[] command, int syncCpu) {
        place(command);
        if (syncCpu >= 0) {
            place(sync(collectionTarget[syncCpu] >>> 16));
        }
        long rdIdx = its.read32(GITS_CREADR);
        its.write32(GITS_CWRITER, cmdWrite); // its_post_commands
        waitForRangeCompletion(rdIdx, cmdWrite);
    }

    /** its_allocate_entry (waits while the queue is full) and the command written into the slot. */
    private void place(long[] command) {
        for (int count = 1_000_000; ((cmdWrite + 32) % ITS_CMD_QUEUE_SZ) == (its.read32(GITS_CREADR) & OFFSET_MASK);
             count--) {
            if (count == 0) {
                fail("ITS queue not draining");
            }
        }
        for (int i = 0; i < 4; i++) {
            its.store64(cmdBase + cmdWrite + 8L * i, command[i]);
        }
        cmdWrite = (cmdWrite + 32) % ITS_CMD_QUEUE_SZ;
    }

    /** its_wait_for_range_completion: poll CREADR (32-bit) and linearise wrap-around. */
    private void waitForRangeCompletion(long prevIdx, long to) {
        long toIdx = to < prevIdx ? to + ITS_CMD_QUEUE_SZ : to;
        long linear = prevIdx;
        for (int count = 1_000_000; ; count--) {
            long rdIdx = its.read32(GITS_CREADR);
            long delta = rdIdx - prevIdx;
            if (rdIdx < prevIdx) {
                delta += ITS_CMD_QUEUE_SZ;
            }
            linear += delta;
            if (linear >= toIdx) {
                return;
            }
            if (count == 0) {
                fail("ITS queue timeout (" + toIdx + " " + linear + ")");
            }
            prevIdx = rdIdx;
        }
    }

    /** its_create_device + its_alloc_device_table: a level-2 page if needed, an ITT, MAPD (no SYNC). */
    private void createDevice(int deviceId, int nvecs) {
        int perPage = devicePageBytes / 8;
        long l1 = deviceL1 + 8L * (deviceId / perPage);
        if (its.load64(l1) == 0) {
            its.store64(l1, its.alloc(devicePageBytes, devicePageBytes) | VALID);
        }
        int nrItes = Math.max(2, Integer.highestOneBit(nvecs - 1) << 1);
        int ittEntry = (int) (typer >>> 4 & 0xF) + 1;
        long itt = its.alloc(Math.max(nrItes * ittEntry, 256), 256);
        send(mapd(deviceId, Integer.numberOfTrailingZeros(nrItes) - 1, itt, true), -1);
        assertEquals(dteValue(itt, Integer.numberOfTrailingZeros(nrItes) - 1), its.dte(deviceId));
    }

    /** its_irq_domain_activate: MAPTI (+ SYNC to the vector's CPU). */
    private void activate(int deviceId, int event, int lpi, int cpu) {
        send(mapti(deviceId, event, lpi, cpu), cpu);
        vectorCpu.add(cpu);
    }

    /** lpi_update_config + its_send_inv: the configuration byte, then INV (+ SYNC). */
    private void setEnabled(int deviceId, int event, int lpi, int cpu, boolean enabled) {
        its.mem.setByte(PROP + lpi - LPI_BASE, LPI_PROP_DEFAULT_PRIO | LPI_PROP_GROUP1
            | (enabled ? LPI_PROP_ENABLED : 0));
        send(inv(deviceId, event), cpu);
    }

    /** A device's MSI: the EventID written (32 bits) to GITS_TRANSLATER with its DeviceID. */
    private void msi(int deviceId, int event) {
        assertTrue(gic.msi(its.config.translaterAddress(), 4, event, deviceId));
    }

    private List<List<Integer>> taken() {
        List<List<Integer>> out = new ArrayList<>();
        for (int cpu = 0; cpu < CPUS; cpu++) {
            out.add(drainGroup1(gic, cpu));
        }
        return out;
    }

    private static List<List<Integer>> only(int cpu, int intid) {
        List<List<Integer>> out = new ArrayList<>(List.of(List.of(), List.of(), List.of(), List.of()));
        out.set(cpu, List.of(intid));
        return out;
    }

    private static final List<List<Integer>> NOTHING = List.of(List.of(), List.of(), List.of(), List.of());

    /** Both devices created, their vectors activated and unmasked (long after EnableLPIs). */
    private void devicesUp() {
        createDevice(DEV_A, 4);
        createDevice(DEV_B, 2);
        for (int v = 0; v < 4; v++) {
            activate(DEV_A, v, LPI_A + v, v);
        }
        activate(DEV_B, 0, LPI_B, 3);
        activate(DEV_B, 1, LPI_B + 1, 0);
        for (int v = 0; v < 4; v++) {
            setEnabled(DEV_A, v, LPI_A + v, v, true);
        }
        setEnabled(DEV_B, 0, LPI_B, 3, true);
        setEnabled(DEV_B, 1, LPI_B + 1, 0, true);
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void bring_up_reads_back_what_linux_wrote_and_maps_a_collection_per_cpu() {
        assertEquals(CTLR_ENABLED | CTLR_QUIESCENT, its.read32(GITS_CTLR));
        assertEquals(0, its.read64(GITS_BASER + 16), "BASER2..7 are RAZ/WI");
        assertTrue(its.drained());
        assertEquals(cmdWrite, its.read32(GITS_CREADR));
        for (int cpu = 0; cpu < CPUS; cpu++) {
            assertEquals(cteValue(cpu, cpu), its.cte(cpu));
        }
        assertEquals(CPUS, its.counter("command.MAPC"));
        assertEquals(CPUS, its.counter("command.INVALL"));
        assertEquals(2L * CPUS, its.counter("command.SYNC"));
    }

    @Test
    void msis_are_taken_on_the_cpu_their_collection_names() {
        devicesUp();
        for (int v = 0; v < 4; v++) {
            msi(DEV_A, v);
            assertEquals(only(v, LPI_A + v), taken(), "device A vector " + v);
        }
        msi(DEV_B, 0);
        assertEquals(only(3, LPI_B), taken());
        msi(DEV_B, 1);
        assertEquals(only(0, LPI_B + 1), taken());
        assertEquals(0, its.counter("msi.dropped"));
    }

    @Test
    void a_vector_is_not_taken_before_it_is_unmasked() {
        createDevice(DEV_A, 4);
        activate(DEV_A, 2, LPI_A + 2, 2);
        msi(DEV_A, 2);
        assertEquals(NOTHING, taken(), "masked since the property table was set up");
        setEnabled(DEV_A, 2, LPI_A + 2, 2, true);
        assertEquals(only(2, LPI_A + 2), taken(), "the latched MSI is taken on unmask");
    }

    @Test
    void masking_stops_delivery_and_unmasking_delivers_the_latched_msi() {
        devicesUp();
        setEnabled(DEV_A, 1, LPI_A + 1, 1, false);
        msi(DEV_A, 1);
        msi(DEV_A, 1);
        assertEquals(NOTHING, taken());
        msi(DEV_A, 0); // the other vectors are unaffected
        assertEquals(only(0, LPI_A), taken());
        setEnabled(DEV_A, 1, LPI_A + 1, 1, true);
        assertEquals(only(1, LPI_A + 1), taken(), "two MSIs while masked: one pending LPI");
    }

    @Test
    void movi_on_an_affinity_change_delivers_on_the_new_cpu_without_a_further_inv() {
        devicesUp();
        msi(DEV_A, 0);
        assertEquals(only(0, LPI_A), taken());
        // its_set_affinity: MOVI (+ SYNC to the new collection). CPU 2's redistributor last read the
        // configuration byte of this LPI at EnableLPIs / MAPC / INVALL time, when it was still disabled.
        send(movi(DEV_A, 0, 2), 2);
        msi(DEV_A, 0);
        assertEquals(only(2, LPI_A), taken());
        // and back, and on to a third CPU
        send(movi(DEV_A, 0, 0), 0);
        msi(DEV_A, 0);
        assertEquals(only(0, LPI_A), taken());
        send(movi(DEV_B, 1, 1), 1);
        msi(DEV_B, 1);
        assertEquals(only(1, LPI_B + 1), taken());
        // masking after the move reaches the new redistributor (INV goes to the ITE's collection)
        setEnabled(DEV_B, 1, LPI_B + 1, 1, false);
        msi(DEV_B, 1);
        assertEquals(NOTHING, taken());
        setEnabled(DEV_B, 1, LPI_B + 1, 1, true);
        assertEquals(only(1, LPI_B + 1), taken());
    }

    @Test
    void movi_of_a_pending_masked_vector_carries_it_to_the_new_cpu() {
        devicesUp();
        setEnabled(DEV_A, 3, LPI_A + 3, 3, false);
        msi(DEV_A, 3);
        assertEquals(NOTHING, taken());
        send(movi(DEV_A, 3, 1), 1);
        assertTrue(its.pending(1, LPI_A + 3) && !its.pending(3, LPI_A + 3), "the pending state moved");
        setEnabled(DEV_A, 3, LPI_A + 3, 1, true);
        assertEquals(only(1, LPI_A + 3), taken());
    }

    @Test
    void teardown_discards_then_unmaps_and_later_msis_are_dropped() {
        devicesUp();
        // its_irq_domain_deactivate: DISCARD (+ SYNC) per vector; then its_free_device: MAPD V = 0
        for (int v = 0; v < 4; v++) {
            send(discard(DEV_A, v), v);
        }
        msi(DEV_A, 1);
        assertEquals(NOTHING, taken());
        assertEquals(1, its.counter("msi.dropped.event"));
        send(mapd(DEV_A, 1, 0, false), -1);
        assertEquals(0, its.dte(DEV_A));
        msi(DEV_A, 1);
        msi(DEV_A, 3);
        assertEquals(NOTHING, taken());
        assertEquals(2, its.counter("msi.dropped.device"));
        // device B lives on
        msi(DEV_B, 0);
        assertEquals(only(3, LPI_B), taken());
    }

    /**
     * ITS.md 1.12 step 9, its_save_disable / its_restore_enable: CTLR and CBASER saved, quiesced; on resume
     * CBASER rewritten (CREADR = 0), CWRITER = 0, the Valid BASERs rewritten, CTLR restored; no collection
     * is re-mapped because HCC = 0. Mappings live in guest memory and survive; the queue restarts at 0.
     */
    @Test
    void suspend_and_resume_as_linux_does_keeps_every_mapping() {
        devicesUp();
        long ctlrSave = its.read32(GITS_CTLR);
        forceQuiescent();
        long cbaserSave = its.read64(GITS_CBASER);
        long[] baserSave = {its.read64(GITS_BASER), its.read64(GITS_BASER + 8)};

        assertEquals(0, its.read32(GITS_CTLR) & CTLR_ENABLED);
        forceQuiescent();
        its.write64(GITS_CBASER, cbaserSave);
        assertEquals(0, its.read32(GITS_CREADR), "a CBASER write zeroes CREADR");
        cmdWrite = 0;
        its.write64(GITS_CWRITER, 0);
        for (int i = 0; i < 2; i++) {
            its.write64(GITS_BASER + 8L * i, baserSave[i]);
        }
        its.write32(GITS_CTLR, ctlrSave);
        assertEquals(0, typer >>> 24 & 0x1F, "HCC = 0: collections live in memory, no MAPC on resume");

        for (int v = 0; v < 4; v++) {
            msi(DEV_A, v);
            assertEquals(only(v, LPI_A + v), taken());
        }
        send(movi(DEV_B, 0, 1), 1); // the queue works from offset 0 again
        msi(DEV_B, 0);
        assertEquals(only(1, LPI_B), taken());
    }

    @Test
    void thousands_of_mask_unmask_cycles_wrap_the_queue_and_complete() {
        devicesUp();
        long before = its.counter("command");
        for (int i = 0; i < 1100; i++) {
            setEnabled(DEV_B, 0, LPI_B, 3, false);
            setEnabled(DEV_B, 0, LPI_B, 3, true);
        }
        assertTrue(its.counter("command") - before > ITS_CMD_QUEUE_SZ / 32 * 2, "the queue wrapped at least twice");
        assertEquals(cmdWrite, its.read32(GITS_CREADR));
        msi(DEV_B, 0);
        assertEquals(only(3, LPI_B), taken());
    }
}
