package gic.its.impl;

import static gic.core.TestGic.GRP1;
import static gic.core.TestGic.LPI_BASE;
import static gic.core.TestGic.RAM_BASE;
import static gic.core.TestGic.bringUpAllCpus;
import static gic.core.TestGic.drainGroup1;
import static gic.core.TestGic.enableLpis;
import static gic.core.TestGic.lpiConfig;
import static gic.core.TestGic.programLpiTables;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicSnapshot;
import gic.api.IccRegister;
import gic.api.ItsConfig;
import gic.core.GicCore;
import gic.core.Regs;
import gic.core.TestGic;
import gic.core.TestHost;
import gic.its.impl.command.Command;
import gic.its.impl.command.CommandField;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** End-to-end smoke test of the ITS provider: bring-up as Linux does it, one MSI, a few rules. */
class ItsSmokeTest {

    static final long ITS = ItsOptions.DEFAULTS.itsBase();
    static final long DOORBELL = ITS + ItsConfig.TRANSLATER_OFFSET;
    static final long CMDQ = RAM_BASE + 0x30_0000L;
    static final long DEVICES = RAM_BASE + 0x31_0000L;
    static final long COLLECTIONS = RAM_BASE + 0x32_0000L;
    static final long ITT = RAM_BASE + 0x33_0000L;

    GicCore g;
    long cwriter;

    GicCore start(ItsProviderSetup setup) {
        g = TestGic.cpus(2).itses(List.of(new ItsConfig(ITS, 16, 16, false))).lenient(setup.lenient)
            .create(new ItsGicProvider(setup.options));
        bringUpAllCpus(g, 0xFF, GRP1);
        for (int lpi = LPI_BASE; lpi < LPI_BASE + 16; lpi++) {
            lpiConfig(g, lpi, 0xA0, true); // before EnableLPIs: every redistributor caches it
        }
        for (int cpu = 0; cpu < 2; cpu++) {
            programLpiTables(g, cpu, 15);
            enableLpis(g, cpu);
        }
        // Linux's order: BASERs, CBASER, CWRITER = 0, then Enabled.
        Regs.write(g, ITS + 0x100, 8, 0x8000_0000_0000_0000L | DEVICES | 2L << 8);       // BASER0: 64K, 1 page
        Regs.write(g, ITS + 0x108, 8, 0x8000_0000_0000_0000L | COLLECTIONS | 2L << 8);   // BASER1
        Regs.write(g, ITS + 0x80, 8, 0xB800_0000_0000_040FL | CMDQ);                       // CBASER, 64 KiB
        Regs.write(g, ITS + 0x88, 8, 0);
        Regs.write(g, ITS, 4, 1);
        return g;
    }

    record ItsProviderSetup(ItsOptions options, boolean lenient) {
    }

    static ItsProviderSetup defaults() {
        return new ItsProviderSetup(ItsOptions.DEFAULTS, false);
    }

    void command(int opcode, Object... fieldValues) {
        long[] dw = new long[4];
        CommandField.OPCODE.put(dw, opcode);
        for (int i = 0; i < fieldValues.length; i += 2) {
            ((CommandField) fieldValues[i]).put(dw, ((Number) fieldValues[i + 1]).longValue());
        }
        for (int d = 0; d < 4; d++) {
            assertTrue(g.memory().store(CMDQ + cwriter + 8L * d, 8, dw[d]));
        }
        cwriter = (cwriter + 32) % 0x10000;
        Regs.write(g, ITS + 0x88, 4, cwriter); // Linux posts with a 32-bit write of the low half
    }

    void mapDeviceEvent(int device, int event, int lpi, int icid) {
        command(Command.Opcode.MAPD.code(), CommandField.DEVICE_ID, device, CommandField.SIZE, 4, CommandField.ITT_ADDR,
            (ITT + 0x100L * device) >>> 8, CommandField.VALID, 1);
        command(Command.Opcode.MAPTI.code(), CommandField.DEVICE_ID, device, CommandField.EVENT_ID, event, CommandField.PINTID, lpi,
            CommandField.ICID, icid);
        command(Command.Opcode.INV.code(), CommandField.DEVICE_ID, device, CommandField.EVENT_ID, event); // config byte re-read
        command(Command.Opcode.SYNC.code(), CommandField.RDBASE, 0);
    }

    Its its() {
        return ((ItsExtension) g.extension()).its(0);
    }

    @Test
    void msi_through_mapped_event_is_acknowledged_at_its_collections_cpu() {
        start(defaults());
        assertEquals(0x1EF71L, Regs.read(g, ITS + 8, 8));
        assertEquals(0x8000_0001L, Regs.read(g, ITS, 4));
        command(Command.Opcode.MAPC.code(), CommandField.ICID, 0, CommandField.RDBASE, 0, CommandField.VALID, 1);
        command(Command.Opcode.MAPC.code(), CommandField.ICID, 1, CommandField.RDBASE, 1, CommandField.VALID, 1);
        command(Command.Opcode.SYNC.code(), CommandField.RDBASE, 1);
        mapDeviceEvent(3, 7, LPI_BASE + 5, 1);
        assertEquals(cwriter, Regs.read(g, ITS + 0x90, 4)); // all processed

        assertTrue(g.msi(DOORBELL, 4, 7, 3));
        assertEquals(LPI_BASE + 5, g.cpu(1).read(IccRegister.IAR1));
        g.cpu(1).write(IccRegister.EOIR1, LPI_BASE + 5);
        assertEquals(List.of(), drainGroup1(g, 0));

        // A second MSI hits the cache; MOVI moves it to CPU 0.
        assertTrue(g.msi(DOORBELL, 4, 7, 3));
        command(Command.Opcode.MOVI.code(), CommandField.DEVICE_ID, 3, CommandField.EVENT_ID, 7, CommandField.ICID, 0);
        assertEquals(List.of(LPI_BASE + 5), drainGroup1(g, 0));
        assertEquals(List.of(), drainGroup1(g, 1));
        assertTrue(g.msi(DOORBELL, 2, 7, 3));
        assertEquals(List.of(LPI_BASE + 5), drainGroup1(g, 0));

        // DISCARD: later MSIs are dropped as unmapped events.
        command(Command.Opcode.DISCARD.code(), CommandField.DEVICE_ID, 3, CommandField.EVENT_ID, 7);
        assertTrue(g.msi(DOORBELL, 4, 7, 3));
        assertEquals(List.of(), drainGroup1(g, 0));
        assertEquals(1L, g.counters().get("its0.msi.dropped.event"));
        assertEquals(4L, g.counters().get("its0.msi"));
        assertEquals(0, its().lastError());
        assertTrue(g.diagnostics().contains("device 0x3"), g.diagnostics());
    }

    @Test
    void command_error_is_recorded_and_skipped_or_stalls_until_retry() {
        start(new ItsProviderSetup(ItsOptions.DEFAULTS.withErrorPolicy(ErrorPolicy.STALL), true));
        command(Command.Opcode.MAPTI.code(), CommandField.DEVICE_ID, 9, CommandField.EVENT_ID, 0, CommandField.PINTID, LPI_BASE,
            CommandField.ICID, 0);
        assertTrue(its().stalled());
        assertEquals(0x010A04, its().lastError());
        assertEquals(1L, Regs.read(g, ITS + 0x90, 8)); // CREADR 0, Stalled
        assertEquals(1L, g.counters().get("its0.commandError.0x010A04"));
        // Fix the tables behind the ITS (MAPD written over the failing slot), then Retry.
        long[] mapd = new long[4];
        CommandField.OPCODE.put(mapd, Command.Opcode.MAPD.code());
        CommandField.DEVICE_ID.put(mapd, 9);
        CommandField.SIZE.put(mapd, 1);
        CommandField.ITT_ADDR.put(mapd, ITT >>> 8);
        CommandField.VALID.put(mapd, 1);
        for (int d = 0; d < 4; d++) {
            g.memory().store(CMDQ + 8L * d, 8, mapd[d]);
        }
        Regs.write(g, ITS + 0x88, 4, cwriter | 1);
        assertFalse(its().stalled());
        assertEquals(cwriter, Regs.read(g, ITS + 0x90, 8));
    }

    @Test
    void snapshot_restores_registers_and_translation_from_guest_memory() {
        start(defaults());
        command(Command.Opcode.MAPC.code(), CommandField.ICID, 0, CommandField.RDBASE, 0, CommandField.VALID, 1);
        mapDeviceEvent(1, 1, LPI_BASE + 1, 0);
        GicSnapshot s = g.snapshot();
        assertEquals(1, s.itses().size());
        GicSnapshot back = GicSnapshot.fromBytes(s.toBytes());
        GicCore r = (GicCore) new ItsGicProvider().restore(back, TestGic.host(g));
        assertEquals(s.itses(), r.snapshot().itses());
        assertTrue(r.msi(DOORBELL, 4, 1, 1));
        assertEquals(List.of(LPI_BASE + 1), drainGroup1(r, 0));
    }

    @Test
    void provider_adds_its_from_options_when_config_names_none() {
        GicCore core = TestGic.cpus(1).create(new ItsGicProvider());
        assertEquals(1, core.config().itses().size());
        assertEquals("ITS0", core.regionAt(ITS).name());
        assertEquals(0x0107_0000_0000_0200L, Regs.read(core, ITS + 0x100, 8));
        assertEquals(0x0407_0000_0000_0200L, Regs.read(core, ITS + 0x108, 8));
        assertEquals(0x94L, Regs.read(core, ITS + 0xFFE0, 4));
        TestHost host = TestGic.host(core);
        assertTrue(host.guestErrors().isEmpty());
    }

    @Test
    void msi_racing_discard_and_movi_never_leaves_the_lpi_pending() throws InterruptedException {
        start(defaults());
        command(Command.Opcode.MAPC.code(), CommandField.ICID, 0, CommandField.RDBASE, 0, CommandField.VALID, 1);
        command(Command.Opcode.MAPC.code(), CommandField.ICID, 1, CommandField.RDBASE, 1, CommandField.VALID, 1);
        command(Command.Opcode.MAPD.code(), CommandField.DEVICE_ID, 1, CommandField.SIZE, 0, CommandField.ITT_ADDR, ITT >>> 8,
            CommandField.VALID, 1);
        AtomicBoolean stop = new AtomicBoolean();
        Thread device = new Thread(() -> {
            while (!stop.get()) {
                g.msi(DOORBELL, 4, 0, 1);
            }
        });
        device.start();
        int leftPending = 0;
        try {
            for (int i = 0; i < 5000; i++) {
                command(Command.Opcode.MAPTI.code(), CommandField.DEVICE_ID, 1, CommandField.EVENT_ID, 0, CommandField.PINTID,
                    LPI_BASE, CommandField.ICID, i % 2);
                command(Command.Opcode.MOVI.code(), CommandField.DEVICE_ID, 1, CommandField.EVENT_ID, 0, CommandField.ICID,
                    (i + 1) % 2);
                command(Command.Opcode.DISCARD.code(), CommandField.DEVICE_ID, 1, CommandField.EVENT_ID, 0);
                // DISCARD cleared the pending state after invalidating: no racing MSI may set it again.
                if (g.redistributor(0).isLpiPending(LPI_BASE) || g.redistributor(1).isLpiPending(LPI_BASE)) {
                    leftPending++;
                }
            }
        } finally {
            stop.set(true);
            device.join();
        }
        assertEquals(0, leftPending);
        assertEquals(0, its().errorCount());
    }
}
