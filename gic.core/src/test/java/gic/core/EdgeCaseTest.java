package gic.core;

import static gic.core.RegOffsets.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicConfig;
import gic.api.GicSnapshot;
import gic.api.IccRegister;
import gic.api.MmioRegion;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Edge cases found in review: PTZ latched across a snapshot and across 32-bit halves of GICR_PENDBASER
 * (CORE.md 2.6, 3.2), a 1-of-N SPI raced by every CPU (1.7, 4.2), and random guest traffic that must
 * never throw into the host.
 */
class EdgeCaseTest {

    private static final long RAM_BASE = 0x4000_0000L;
    private static final int RAM_SIZE = 4 << 20;
    private static final long PROP = RAM_BASE + 0x10_0000L;
    private static final long PEND0 = RAM_BASE + 0x20_0000L;
    private static final int SPURIOUS = 1023;
    private static final int LPI_BASE = 8192;


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

    // CORE.md 2.6 and 3.2: PTZ = 1 on the PENDBASER write that precedes EnableLPIs 0->1 tells the RD the
    // pending table is all zero, so software need not zero it. GicSnapshot promises all guest-visible state;
    // a snapshot taken between that PENDBASER write and EnableLPIs drops the latched PTZ (Redistributor
    // keeps it in a field the snapshot does not carry), so after restore enabling LPIs reads the
    // never-zeroed table and invents pending LPIs the original GIC would not have had.
    @Test
    void ptz_latched_before_a_snapshot_still_applies_when_lpis_are_enabled_after_restore() {
        start(1);
        lpiConfig(8200, 0xA0, true);
        // The guest did not zero its pending table (legal with PTZ = 1): stale bit for INTID 8200.
        setTableBit(0, 8200);
        rd64(gic, 0, GICR_PROPBASER, PROP | 15);
        rd64(gic, 0, GICR_PENDBASER, PEND0 | PTZ);

        GicSnapshot s = GicSnapshot.fromBytes(gic.snapshot().toBytes());
        restored = GicCore.restore(s, host);

        enableLpis(gic, 0);
        enableLpis(restored, 0);
        assertFalse(gic.redistributor(0).isLpiPending(8200), "original GIC honours PTZ");
        assertFalse(restored.redistributor(0).isLpiPending(8200),
            "restored GIC must honour the PTZ the guest wrote before the snapshot");
        assertEquals(SPURIOUS, restored.cpu(0).read(IccRegister.IAR1));
    }

    // CORE.md 2.6 (PTZ is write-only in effect, reads return 0) and 2.2/1.1 (64-bit GIC registers may be
    // written as two 32-bit halves): a 32-bit write of the low half of GICR_PENDBASER does not write bit 62,
    // so a PTZ written by the earlier upper-half write must still apply at EnableLPIs. The model's
    // read-modify-write of the low half reads PTZ as 0 and so clears the latched PTZ.
    @Test
    void ptz_written_in_the_upper_half_survives_a_later_lower_half_write_of_pendbaser() {
        start(1);
        lpiConfig(8200, 0xA0, true);
        setTableBit(0, 8200); // not zeroed: the guest relies on PTZ
        rd64(gic, 0, GICR_PROPBASER, PROP | 15);
        Regs.gicr(gic, 0, GICR_PENDBASER + 4, PTZ >>> 32);       // high half: PTZ
        Regs.gicr(gic, 0, GICR_PENDBASER, PEND0 & 0xFFFF_FFFFL);  // low half: address
        enableLpis(gic, 0);
        assertFalse(gic.redistributor(0).isLpiPending(8200), "PTZ = 1 at EnableLPIs: the table is taken as zero");
        assertEquals(SPURIOUS, gic.cpu(0).read(IccRegister.IAR1));
    }

    // CORE.md 1.7 (IRM = 1: route to any one participating PE) and 4.2 (IAR acknowledges: sets active and
    // clears pending atomically with respect to other PEs). Pins behaviour ConcurrencyTest does not cover:
    // with four vCPUs racing to acknowledge one 1-of-N edge SPI, each raise is taken at most once, never by
    // two CPUs at the same time, and the last raise is always taken (nothing is lost).
    @Test
    void one_of_n_spi_raced_by_every_cpu_is_taken_once_per_pending_period_and_never_lost() {
        int cpus = 4;
        start(cpus);
        int intid = 40;
        long grp = GICD_IGROUPR + 4L * (intid / 32);
        Regs.gicd(gic, grp, Regs.gicd(gic, grp) | 1L << (intid % 32));
        Regs.gicd(gic, GICD_IPRIORITYR + intid, 1, 0x80);
        long cfg = GICD_ICFGR + 4L * (intid / 16);
        Regs.gicd(gic, cfg, Regs.gicd(gic, cfg) | 1L << (2 * (intid % 16) + 1));
        Regs.gicd(gic, GICD_IROUTER + 8L * intid, 1L << 31); // IRM = 1
        Regs.gicd(gic, GICD_ISENABLER + 4L * (intid / 32), 1L << (intid % 32));

        int rounds = 20_000;
        AtomicInteger inHandler = new AtomicInteger();
        AtomicInteger taken = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicIntegerArray perCpu = new AtomicIntegerArray(cpus);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Thread[] vcpus = new Thread[cpus];
            for (int c = 0; c < cpus; c++) {
                int cpu = c;
                vcpus[c] = new Thread(() -> {
                    while (!stop.get()) {
                        long id = gic.cpu(cpu).read(IccRegister.IAR1);
                        if (id == SPURIOUS) {
                            Thread.onSpinWait();
                            continue;
                        }
                        if (inHandler.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        taken.incrementAndGet();
                        perCpu.incrementAndGet(cpu);
                        inHandler.decrementAndGet();
                        gic.cpu(cpu).write(IccRegister.EOIR1, id);
                    }
                });
                vcpus[c].start();
            }
            for (int i = 0; i < rounds; i++) {
                gic.pulseSpi(intid);
                if ((i & 15) == 0) {
                    Thread.yield();
                }
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            // The last raise must be taken: wait until nothing is pending or active any more.
            while (System.nanoTime() < deadline && (spiPendingOrActive(intid))) {
                Thread.sleep(1);
            }
            stop.set(true);
            for (Thread t : vcpus) {
                t.join();
            }
        });
        assertEquals(0, overlaps.get(), "a 1-of-N SPI was active on two CPUs at once");
        assertTrue(taken.get() >= 1 && taken.get() <= rounds, "taken " + taken.get() + " of " + rounds);
        assertFalse(spiPendingOrActive(intid), "the last raise was lost");
        for (int c = 0; c < cpus; c++) {
            assertFalse(host.irq(c), "IRQ of CPU " + c + " left asserted with nothing to take");
        }
    }

    // CORE.md 1.1/2.2 (reserved offsets RAZ/WI, permitted widths) and the Gic contract ("nothing a guest or
    // a device does makes a method throw"): random MMIO of every size at every offset of GICD and GICR,
    // random ICC system-register traffic and random table bases never throw. Pins behaviour no existing
    // test covers as a whole (they probe chosen offsets).
    @Test
    void random_guest_mmio_and_system_register_traffic_never_throws() {
        int cpus = 2;
        List<Integer> aff = List.of(0, 1);
        GicConfig cfg = new GicConfig(aff, 64, 14, 8, GicConfig.VIRT_GICD_BASE, GicConfig.VIRT_GICR_BASE,
            List.of());
        host = TestHost.lenient(RAM_BASE, RAM_SIZE);
        gic = GicCore.create(cfg, host);
        java.util.Random rnd = new java.util.Random(42);
        int[] sizes = {1, 2, 3, 4, 8, 0, -1, 16};
        IccRegister[] regs = IccRegister.values();
        for (int i = 0; i < 60_000; i++) {
            int size = sizes[rnd.nextInt(sizes.length)];
            long value = rnd.nextLong();
            switch (rnd.nextInt(6)) {
                case 0 -> Regs.gicd(gic, rnd.nextInt(0x10000) & ~(rnd.nextBoolean() ? 3 : 0), size, value);
                case 1 -> Regs.gicdRead(gic, rnd.nextInt(0x10000), size);
                case 2 -> {
                    MmioRegion r = gic.regionAt(GicConfig.VIRT_GICR_BASE);
                    long off = rnd.nextInt((int) r.size()) & ~(rnd.nextBoolean() ? 3 : 0);
                    if (rnd.nextInt(4) == 0) {
                        off = rnd.nextInt(cpus) * GicConfig.REDISTRIBUTOR_STRIDE + 0x70 + 8 * rnd.nextInt(2);
                        size = 8;
                    } else if (rnd.nextInt(8) == 0) {
                        off = rnd.nextInt(cpus) * GicConfig.REDISTRIBUTOR_STRIDE;
                        size = 4;
                    }
                    r.write(off, size, value);
                }
                case 3 -> {
                    MmioRegion r = gic.regionAt(GicConfig.VIRT_GICR_BASE);
                    r.read(rnd.nextInt((int) r.size() + 16) - 8, size);
                }
                case 4 -> gic.cpu(rnd.nextInt(cpus)).write(regs[rnd.nextInt(regs.length)], value);
                default -> {
                    gic.cpu(rnd.nextInt(cpus)).read(regs[rnd.nextInt(regs.length)]);
                    gic.setSpiLevel(rnd.nextInt(200) - 50, rnd.nextBoolean());
                    gic.redistributor(rnd.nextInt(cpus)).setLpiPending(rnd.nextInt());
                    gic.redistributor(rnd.nextInt(cpus)).invalidateLpi(8192 + rnd.nextInt(9000));
                }
            }
            if ((i & 0x3FFF) == 0) {
                restored = GicCore.restore(GicSnapshot.fromBytes(gic.snapshot().toBytes()), host);
                restored.close();
                restored = null;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    /** A GIC with both GICD groups enabled, every CPU awake with PMR open and IGRPEN1 set. */
    private void start(int cpus) {
        List<Integer> aff = new java.util.ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            aff.add(i);
        }
        GicConfig cfg = new GicConfig(aff, 64, 16, 5, GicConfig.VIRT_GICD_BASE, GicConfig.VIRT_GICR_BASE,
            List.of());
        host = new TestHost(RAM_BASE, RAM_SIZE);
        gic = GicCore.create(cfg, host);
        Regs.gicd(gic, GICD_CTLR, 0b11);
        for (int c = 0; c < cpus; c++) {
            Regs.gicr(gic, c, GICR_WAKER, 0);
            gic.cpu(c).write(IccRegister.PMR, 0xFF);
            gic.cpu(c).write(IccRegister.IGRPEN1, 1);
        }
    }

    private boolean spiPendingOrActive(int intid) {
        long bit = 1L << (intid % 32);
        return (Regs.gicd(gic, 0x200 + 4L * (intid / 32)) & bit) != 0
            || (Regs.gicd(gic, 0x300 + 4L * (intid / 32)) & bit) != 0;
    }

    private void lpiConfig(int intid, int prio, boolean enabled) {
        assertTrue(host.mem().store(PROP + (intid - LPI_BASE), 1, prio | 0b10 | (enabled ? 1 : 0)));
    }

    private void setTableBit(int cpu, int intid) {
        long addr = PEND0 + 0x1_0000L * cpu + intid / 8;
        long b = host.mem().load(addr, 1).getAsLong();
        assertTrue(host.mem().store(addr, 1, b | 1L << (intid % 8)));
    }

    private static void enableLpis(GicCore g, int cpu) {
        Regs.gicr(g, cpu, GICR_CTLR, Regs.gicr(g, cpu, GICR_CTLR) | 1);
    }

    private static void rd64(GicCore g, int cpu, long off, long value) {
        long addr = g.config().redistributorBase() + GicConfig.REDISTRIBUTOR_STRIDE * cpu + off;
        MmioRegion r = g.regionAt(addr);
        r.write(addr - r.base(), 8, value);
    }
}
