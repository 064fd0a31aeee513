package gic.core;

import static gic.core.RegOffsets.*;
import static gic.core.TestGic.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicConfig;
import gic.api.GicSnapshot;
import gic.api.IccRegister;
import gic.api.Longs;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Snapshot and restore: a GIC with SPIs pending and active, routes, SGIs, PPIs, pending LPIs and a
 * CPU interface in the middle of handling an interrupt survives {@code toBytes}/{@code fromBytes} and
 * {@link GicCore#restore}, and the restored GIC carries on exactly where the original stopped.
 */
class SnapshotTest {

    private static final GicConfig CONFIG = TestGic.cpus(2).config();

    private TestHost host;
    private GicCore gic;
    private GicCore restored;

    @AfterEach
    void closeGics() {
        if (restored != null) {
            restored.close();
        }
        if (gic != null) {
            gic.close();
        }
    }

    @Test
    void snapshot_survives_byte_encoding() {
        programRichState();
        GicSnapshot s = gic.snapshot();
        GicSnapshot back = GicSnapshot.fromBytes(s.toBytes());
        assertEquals(s, back);
        assertTrue(Arrays.equals(s.toBytes(), back.toBytes()));
    }

    @Test
    void snapshot_is_stable_while_nothing_changes() {
        programRichState();
        GicSnapshot a = gic.snapshot();
        GicSnapshot b = gic.snapshot();
        assertEquals(a, b);
        assertEquals(CONFIG, a.config());
        assertEquals(GicSnapshot.FORMAT_VERSION, a.formatVersion());
        assertEquals(CONFIG.cpuCount(), a.redistributors().size());
    }

    @Test
    void snapshot_records_the_programmed_state() {
        programRichState();
        GicSnapshot s = gic.snapshot();
        GicSnapshot.IrqBankState spis = s.distributor().spis();
        assertEquals(0b11, s.distributor().ctlr() & 0b11, "GICD_CTLR group enables");
        assertEquals(1, bit(spis.active(), 41 - 32), "SPI 41 active");
        assertEquals(1, bit(spis.active(), 43 - 32), "SPI 43 active");
        assertEquals(1, bit(spis.pending(), 40 - 32), "SPI 40 pending");
        assertEquals(1, bit(spis.pending(), 43 - 32), "SPI 43 pending");
        assertEquals(1, bit(spis.pending(), 44 - 32), "SPI 44 pending");
        assertEquals(0, bit(spis.pending(), 42 - 32), "level-sensitive pending excludes the line level");
        assertEquals(1, bit(spis.level(), 42 - 32), "SPI 42 line high");
        assertEquals(0, bit(spis.enabled(), 44 - 32), "SPI 44 disabled");
        assertEquals(0, bit(spis.group(), 42 - 32), "SPI 42 Group 0");
        assertEquals(1, bit(spis.group(), 40 - 32), "SPI 40 Group 1");
        assertEquals(1, bit(spis.edge(), 40 - 32), "SPI 40 edge");
        assertEquals(0, bit(spis.edge(), 42 - 32), "SPI 42 level");
        assertEquals(0x60, spis.priority().get(41 - 32));
        assertEquals(1, s.distributor().irouter().get(43 - 32), "SPI 43 routed to Aff0 = 1");

        GicSnapshot.RedistributorState r0 = s.redistributors().get(0);
        GicSnapshot.RedistributorState r1 = s.redistributors().get(1);
        assertEquals(1, r0.ctlr() & 1, "EnableLPIs");
        assertEquals(PROP | 15, r0.propbaser() & (0x000F_FFFF_FFFF_F000L | 0x1F));
        assertEquals(PEND0 + 0x1_0000L, r1.pendbaser() & 0x000F_FFFF_FFFF_0000L);
        assertEquals(0, r1.pendbaser() & 1L << 62, "PTZ was consumed when EnableLPIs was set");
        assertEquals(Longs.of(8200), r0.pendingLpis());
        assertEquals(Longs.of(8201, 8202), r1.pendingLpis());
        assertEquals(1, bit(r1.sgiPpi().pending(), 1), "SGI 1 pending on CPU 1");
        assertEquals(1, bit(r0.sgiPpi().level(), 27), "PPI 27 line high on CPU 0");

        GicSnapshot.CpuInterfaceState c0 = r0.cpu();
        GicSnapshot.CpuInterfaceState c1 = r1.cpu();
        assertEquals(0xF0, c0.pmr());
        assertEquals(4, c0.bpr1());
        assertEquals(0b10, c0.ctlr(), "EOImode");
        assertEquals(1, c0.igrpen0());
        assertEquals(1, c0.igrpen1());
        assertEquals(1L << (0x60 >> 3), c0.ap1r().get(0), "SPI 41 in service");
        assertEquals(0, c0.ap0r().get(0));
        assertEquals(0xE0, c1.pmr());
        assertEquals(3, c1.bpr0());
        assertEquals(0b01, c1.ctlr(), "CBPR");
        assertEquals(0, c1.igrpen0());
    }

    @Test
    void restored_gic_has_the_same_snapshot_registers_and_lines() {
        programRichState();
        Map<String, Long> regsBefore = dumpRegisters(gic);
        boolean[] lines = {host.irq(0), host.fiq(0), host.irq(1), host.fiq(1)};
        assertFalse(lines[0]);
        assertTrue(lines[1], "SPI 42 (Group 0, 0x20) preempts SPI 41 on CPU 0");
        assertTrue(lines[2], "LPI 8202 can be taken on CPU 1");
        assertFalse(lines[3]);
        GicSnapshot s = gic.snapshot();
        restored = restoreIntoFreshGic(s);

        assertEquals(s, restored.snapshot());
        assertEquals(CONFIG, restored.config());
        assertEquals(regsBefore, dumpRegisters(restored));
        assertEquals(lines[0], host.irq(0));
        assertEquals(lines[1], host.fiq(0));
        assertEquals(lines[2], host.irq(1));
        assertEquals(lines[3], host.fiq(1));
    }

    @Test
    void restored_gic_continues_the_interrupted_work() {
        programRichState();
        restored = restoreIntoFreshGic(gic.snapshot());
        GicCore g = restored;

        // CPU 0: EOImode 1, SPI 41 in service, Group 0 SPI 42 preempting it.
        assertEquals(42, g.cpu(0).read(IccRegister.IAR0));
        assertEquals(0x20, g.cpu(0).read(IccRegister.RPR));
        g.setSpiLevel(42, false);
        g.cpu(0).write(IccRegister.EOIR0, 42);
        g.cpu(0).write(IccRegister.DIR, 42);
        assertEquals(0x60, g.cpu(0).read(IccRegister.RPR), "back to SPI 41");
        assertFalse(host.irq(0));
        assertFalse(host.fiq(0));
        g.cpu(0).write(IccRegister.EOIR1, 41);
        assertEquals(0xFF, g.cpu(0).read(IccRegister.RPR));
        assertTrue(bitSet(Regs.gicd(g, GICD_ISACTIVER + 4), 41 - 32), "EOImode 1: still active");
        g.cpu(0).write(IccRegister.DIR, 41);
        assertFalse(bitSet(Regs.gicd(g, GICD_ISACTIVER + 4), 41 - 32));
        assertTrue(host.irq(0));
        assertEquals(27, g.cpu(0).read(IccRegister.IAR1));
        g.setPpiLevel(0, 27, false);
        g.cpu(0).write(IccRegister.EOIR1, 27);
        g.cpu(0).write(IccRegister.DIR, 27);
        assertEquals(40, g.cpu(0).read(IccRegister.IAR1));
        g.cpu(0).write(IccRegister.EOIR1, 40);
        g.cpu(0).write(IccRegister.DIR, 40);
        assertEquals(8200, g.cpu(0).read(IccRegister.IAR1));
        g.cpu(0).write(IccRegister.EOIR1, 8200);
        assertEquals(SPURIOUS, g.cpu(0).read(IccRegister.IAR1));
        assertFalse(host.irq(0));

        // CPU 1: EOImode 0; SPI 43 active and pending, SPI 44 disabled, LPI 8201 disabled in config.
        assertEquals(8202, g.cpu(1).read(IccRegister.IAR1));
        g.cpu(1).write(IccRegister.EOIR1, 8202);
        assertEquals(1, g.cpu(1).read(IccRegister.IAR1));
        g.cpu(1).write(IccRegister.EOIR1, 1);
        assertEquals(SPURIOUS, g.cpu(1).read(IccRegister.IAR1));
        Regs.gicd(g, GICD_ICACTIVER + 4, 1L << (43 - 32));
        assertEquals(43, g.cpu(1).read(IccRegister.IAR1));
        g.cpu(1).write(IccRegister.EOIR1, 43);
        Regs.gicd(g, GICD_ISENABLER + 4, 1L << (44 - 32));
        assertEquals(44, g.cpu(1).read(IccRegister.IAR1));
        g.cpu(1).write(IccRegister.EOIR1, 44);
        lpiConfig(g, 8201, 0x80, true);
        g.redistributor(1).invalidateLpi(8201);
        assertEquals(8201, g.cpu(1).read(IccRegister.IAR1));
        g.cpu(1).write(IccRegister.EOIR1, 8201);
        assertEquals(SPURIOUS, g.cpu(1).read(IccRegister.IAR1));
        assertFalse(host.irq(1));

        // LPIs keep working from the tables in guest memory.
        assertTrue(g.redistributor(1).setLpiPending(8202));
        assertTrue(host.irq(1));
        assertEquals(8202, g.cpu(1).read(IccRegister.IAR1));
    }

    @Test
    void restored_gic_writes_pending_lpis_back_when_lpis_are_disabled() {
        programRichState();
        restored = restoreIntoFreshGic(gic.snapshot());
        disableLpis(restored, 1);
        long pend1 = PEND0 + 0x1_0000L;
        assertEquals(1 << (8201 % 8) | 1 << (8202 % 8), host.mem().load(pend1 + 8201 / 8, 1).getAsLong());
    }

    @Test
    void fresh_gic_snapshot_round_trips_through_restore() {
        gic = TestGic.cpus(2).create();
        host = TestGic.host(gic);
        GicSnapshot s = gic.snapshot();
        assertEquals(s, GicSnapshot.fromBytes(s.toBytes()));
        restored = restoreIntoFreshGic(s);
        assertEquals(s, restored.snapshot());
    }

    // ---------------------------------------------------------------------------------------------
    // fromBytes rejects what toBytes never made

    @Test
    void from_bytes_rejects_garbage() {
        assertThrows(IllegalArgumentException.class, () -> GicSnapshot.fromBytes(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> GicSnapshot.fromBytes(new byte[] {1, 2, 3}));
        Random r = new Random(42);
        for (int i = 0; i < 50; i++) {
            byte[] junk = new byte[1 + r.nextInt(4096)];
            r.nextBytes(junk);
            assertThrows(IllegalArgumentException.class, () -> GicSnapshot.fromBytes(junk));
        }
    }

    @Test
    void from_bytes_rejects_garbage_after_a_valid_header() {
        Random r = new Random(7);
        for (int i = 0; i < 50; i++) {
            byte[] junk = new byte[8 + r.nextInt(4096)];
            r.nextBytes(junk);
            ByteBuffer.wrap(junk).putInt(0x47494353).putInt(GicSnapshot.FORMAT_VERSION);
            assertThrows(IllegalArgumentException.class, () -> GicSnapshot.fromBytes(junk));
        }
    }

    @Test
    void from_bytes_rejects_every_truncation_and_trailing_bytes() {
        programRichState();
        byte[] b = gic.snapshot().toBytes();
        for (int n = 0; n < b.length; n++) {
            byte[] cut = Arrays.copyOf(b, n);
            assertThrows(IllegalArgumentException.class, () -> GicSnapshot.fromBytes(cut), "length " + n);
        }
        byte[] longer = Arrays.copyOf(b, b.length + 1);
        assertThrows(IllegalArgumentException.class, () -> GicSnapshot.fromBytes(longer));
    }

    @Test
    void from_bytes_rejects_an_unknown_format_version() {
        programRichState();
        byte[] b = gic.snapshot().toBytes();
        ByteBuffer.wrap(b).putInt(4, GicSnapshot.FORMAT_VERSION + 1);
        assertThrows(IllegalArgumentException.class, () -> GicSnapshot.fromBytes(b));
    }

    // ---------------------------------------------------------------------------------------------
    // The rich state

    /**
     * CPU 0 (EOImode 1, BPR1 4, PMR 0xF0, both groups on): SPI 41 (G1, 0x60) acknowledged and in
     * service; pending PPI 27 (level, line high, 0x70), SPI 40 (0x80) and LPI 8200 (0x90); Group 0
     * level SPI 42 (0x20) with its line high, which preempts. CPU 1 (EOImode 0, CBPR, BPR0 3, PMR
     * 0xE0, Group 0 off): SGI 1 (0x90) pending from CPU 0, SPI 43 (0xA0) active and pending, SPI 44
     * (0x50) pending but disabled, LPI 8202 (0x88) pending, LPI 8201 pending with its config disabled.
     */
    private void programRichState() {
        gic = TestGic.cpus(2).create();
        host = TestGic.host(gic);
        enableGroups(gic);
        for (int c = 0; c < 2; c++) {
            wake(gic, c);
            Regs.sgi(gic, c, GICR_IGROUPR0, 0xFFFF_FFFFL);
        }

        // CPU interfaces
        gic.cpu(0).write(IccRegister.BPR1, 4);
        gic.cpu(0).write(IccRegister.CTLR, 0b10);
        enableCpuInterface(gic, 0, 0xF0, GRP0 | GRP1);
        gic.cpu(1).write(IccRegister.BPR0, 3);
        gic.cpu(1).write(IccRegister.CTLR, 0b01);
        enableCpuInterface(gic, 1, 0xE0, GRP1);

        // SPIs
        spi(gic, 40).group(1).priority(0x80).edge().routeTo(0).enable();
        spi(gic, 41).group(1).priority(0x60).edge().routeTo(0).enable();
        spi(gic, 42).group(0).priority(0x20).level().routeTo(0).enable();
        spi(gic, 43).group(1).priority(0xA0).edge().routeTo(1).enable();
        spi(gic, 44).group(1).priority(0x50).edge().routeTo(1).enable();
        Regs.gicd(gic, 0x0180 + 4, 1L << (44 - 32)); // ICENABLER: 44 disabled
        Regs.gicd(gic, GICD_ISPENDR + 4, 1L << (41 - 32));
        assertEquals(41, gic.cpu(0).read(IccRegister.IAR1));
        Regs.gicd(gic, GICD_ISPENDR + 4, 1L << (40 - 32) | 1L << (43 - 32) | 1L << (44 - 32));
        Regs.gicd(gic, GICD_ISACTIVER + 4, 1L << (43 - 32));

        // SGI and PPI
        sgiPpi(gic, 1, 1).priority(0x90).enable();
        gic.cpu(0).write(IccRegister.SGI1R, 1L << 24 | 0b10); // SGI 1 to Aff0 = 1
        sgiPpi(gic, 0, 27).priority(0x70).enable(); // PPIs reset level-sensitive
        gic.setPpiLevel(0, 27, true);

        // LPIs
        lpiConfig(gic, 8200, 0x90, true);
        lpiConfig(gic, 8201, 0x80, false);
        lpiConfig(gic, 8202, 0x88, true);
        for (int c = 0; c < 2; c++) {
            programLpiTables(gic, c, 15);
            enableLpis(gic, c);
        }
        assertTrue(gic.redistributor(0).setLpiPending(8200));
        assertTrue(gic.redistributor(1).setLpiPending(8201));
        assertTrue(gic.redistributor(1).setLpiPending(8202));

        // The level SPI last, so it preempts SPI 41 on CPU 0.
        gic.setSpiLevel(42, true);
    }

    /** Closes the original (its lines drop) and restores into a fresh GIC on the same host and RAM. */
    private GicCore restoreIntoFreshGic(GicSnapshot s) {
        GicSnapshot copy = GicSnapshot.fromBytes(s.toBytes());
        gic.close();
        GicCore g = GicCore.restore(copy, host);
        gic = null;
        return g;
    }

    private Map<String, Long> dumpRegisters(GicCore g) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("GICD_CTLR", Regs.gicd(g, GICD_CTLR));
        for (int n = 1; n <= 2; n++) {
            for (long base : new long[] {GICD_IGROUPR, GICD_ISENABLER, GICD_ISPENDR, GICD_ISACTIVER}) {
                m.put("GICD+" + Long.toHexString(base + 4L * n), Regs.gicd(g, base + 4L * n));
            }
        }
        for (int id = 32; id < 96; id += 4) {
            m.put("GICD_IPRIORITYR" + id, Regs.gicd(g, GICD_IPRIORITYR + id));
        }
        for (int n = 2; n < 6; n++) {
            m.put("GICD_ICFGR" + n, Regs.gicd(g, GICD_ICFGR + 4L * n));
        }
        for (int id = 32; id < 96; id++) {
            m.put("GICD_IROUTER" + id, Regs.gicd(g, GICD_IROUTER + 8L * id));
        }
        for (int c = 0; c < 2; c++) {
            m.put(c + "GICR_CTLR", Regs.gicr(g, c, GICR_CTLR) & 1);
            m.put(c + "GICR_WAKER", Regs.gicr(g, c, GICR_WAKER));
            m.put(c + "GICR_PROPBASER", Regs.gicrRead(g, c, GICR_PROPBASER, 8));
            m.put(c + "GICR_PENDBASER", Regs.gicrRead(g, c, GICR_PENDBASER, 8));
            for (long off : new long[] {GICR_IGROUPR0, GICR_ISENABLER0, GICR_ISPENDR0, GICR_ISACTIVER0,
                GICR_ICFGR1}) {
                m.put(c + "SGI+" + Long.toHexString(off), Regs.sgi(g, c, off));
            }
            for (int id = 0; id < 32; id += 4) {
                m.put(c + "GICR_IPRIORITYR" + id, Regs.sgi(g, c, GICR_IPRIORITYR + id));
            }
            for (IccRegister r : List.of(IccRegister.PMR, IccRegister.BPR0, IccRegister.BPR1, IccRegister.CTLR,
                IccRegister.IGRPEN0, IccRegister.IGRPEN1, IccRegister.AP0R0, IccRegister.AP1R0, IccRegister.RPR,
                IccRegister.HPPIR0, IccRegister.HPPIR1)) {
                m.put(c + r.name(), g.cpu(c).read(r));
            }
            for (int id = 8192; id < 8192 + 16; id++) {
                m.put(c + "LPI" + id, g.redistributor(c).isLpiPending(id) ? 1L : 0L);
            }
        }
        return m;
    }

    private static long bit(Longs words, int index) {
        return words.get(index / 32) >>> (index % 32) & 1;
    }

    private static boolean bitSet(long word, int bit) {
        return (word >>> bit & 1) != 0;
    }
}
