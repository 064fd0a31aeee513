package gic.core.demo;

import gic.api.CpuInterface;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.GuestMemory;
import gic.api.IccRegister;
import gic.api.MmioRegion;
import gic.core.GicCore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A small machine around the architectural core, to watch it work until the OSGi runtime exists: 64 MiB
 * of guest RAM, vCPU threads that take interrupts the way Linux does (wait for IRQ, ICC_IAR1_EL1, count,
 * ICC_EOIR1_EL1), one device thread per CPU raising LPIs through the redistributor's set-pending entry
 * point, one raising edge-triggered SPIs routed across the CPUs, and the guest programming done through
 * MMIO and system registers. Prints figures each second; exits 0 only if every interrupt raised was taken
 * (at least once, and never more often than raised) and nothing is left pending.
 *
 * <p>Usage: {@code Demo [--seconds N] [--cpus N]}
 */
public final class Demo {

    private static final long RAM_BASE = 0x4000_0000L;
    private static final int RAM_SIZE = 64 << 20;
    private static final long PROP_TABLE = RAM_BASE;
    private static final long PEND_TABLES = RAM_BASE + 0x10_0000;
    private static final int LPIS = 1024;
    private static final int SPIS = 64;

    private final int cpus;
    private final byte[] ram = new byte[RAM_SIZE];
    private final Thread[] vcpuThreads;
    private final AtomicBoolean[] irq;
    private final AtomicLongArray raised = new AtomicLongArray(8192 + LPIS);
    private final AtomicLongArray taken = new AtomicLongArray(8192 + LPIS);
    private final AtomicLongArray takenPerCpu;
    private final GicCore gic;
    private volatile boolean running = true;

    private Demo(int cpus) {
        this.cpus = cpus;
        vcpuThreads = new Thread[cpus];
        irq = new AtomicBoolean[cpus];
        for (int i = 0; i < cpus; i++) {
            irq[i] = new AtomicBoolean();
        }
        takenPerCpu = new AtomicLongArray(cpus);
        gic = GicCore.create(GicConfig.virt(cpus), new Host());
    }

    public static void main(String[] args) throws InterruptedException {
        int seconds = 10;
        int cpus = 4;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--cpus" -> cpus = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.exit(new Demo(cpus).run(seconds) ? 0 : 1);
    }

    private boolean run(int seconds) throws InterruptedException {
        programLikeLinux();
        for (int c = 0; c < cpus; c++) {
            int cpu = c;
            vcpuThreads[c] = new Thread(() -> vcpu(cpu), "vcpu-" + c);
            vcpuThreads[c].start();
        }
        Thread[] devices = new Thread[cpus + 1];
        for (int c = 0; c < cpus; c++) {
            int cpu = c;
            devices[c] = new Thread(() -> msiDevice(cpu), "msi-device-" + c);
        }
        devices[cpus] = new Thread(this::spiDevice, "spi-device");
        for (Thread t : devices) {
            t.start();
        }
        long last = 0;
        for (int s = 1; s <= seconds; s++) {
            Thread.sleep(1000);
            long total = 0;
            StringBuilder per = new StringBuilder();
            for (int c = 0; c < cpus; c++) {
                total += takenPerCpu.get(c);
                per.append(c == 0 ? "" : " ").append("cpu").append(c).append('=').append(takenPerCpu.get(c));
            }
            System.out.printf("t=%ds interrupts/s=%d taken: %s%n", s, total - last, per);
            last = total;
        }
        running = false;
        for (Thread t : devices) {
            t.join();
        }
        Thread.sleep(200);
        for (int c = 0; c < cpus; c++) {
            irq[c].set(true);
            LockSupport.unpark(vcpuThreads[c]);
        }
        for (Thread t : vcpuThreads) {
            t.join();
        }
        return verify();
    }

    /** The guest's GIC bring-up, as Linux's irq-gic-v3 driver does it. */
    private void programLikeLinux() {
        MmioRegion gicd = gic.regionAt(GicConfig.VIRT_GICD_BASE);
        MmioRegion gicr = gic.regionAt(GicConfig.VIRT_GICR_BASE);
        gicd.write(0x0, 4, 0); // disable, then configure SPIs
        for (int n = 1; n <= SPIS / 32; n++) {
            gicd.write(0x80 + 4L * n, 4, 0xFFFF_FFFFL); // Group 1
            gicd.write(0xC00 + 8L * n, 4, 0xAAAA_AAAAL); // edge-triggered
            gicd.write(0xC04 + 8L * n, 4, 0xAAAA_AAAAL);
        }
        for (int intid = 32; intid < 32 + SPIS; intid++) {
            gicd.write(0x400 + intid, 1, 0xA0);
            gicd.write(0x6000 + 8L * intid, 8, gic.config().cpuAffinities().get(intid % cpus) & 0xFFFFFFL);
        }
        for (int n = 1; n <= SPIS / 32; n++) {
            gicd.write(0x100 + 4L * n, 4, 0xFFFF_FFFFL);
        }
        gicd.write(0x0, 4, 0x3); // EnableGrp1 (and Grp0); ARE and DS read as one
        for (int i = 0; i < LPIS; i++) {
            ram[i] = (byte) 0xA1; // priority 0xA0, enabled
        }
        for (int c = 0; c < cpus; c++) {
            long rd = 0x20000L * c;
            gicr.write(rd + 0x14, 4, 0); // GICR_WAKER: wake up
            gicr.write(rd + 0x10080, 4, 0xFFFF_FFFFL); // IGROUPR0
            gicr.write(rd + 0x10100, 4, 0xFFFF); // enable SGIs
            gicr.write(rd + 0x70, 8, PROP_TABLE | 15); // PROPBASER: 16 ID bits
            gicr.write(rd + 0x78, 8, PEND_TABLES + 0x10000L * c);
            gicr.write(rd + 0x0, 4, 1); // EnableLPIs
            CpuInterface cpu = gic.cpu(c);
            cpu.write(IccRegister.PMR, 0xF0);
            cpu.write(IccRegister.BPR1, 0);
            cpu.write(IccRegister.CTLR, 0);
            cpu.write(IccRegister.IGRPEN1, 1);
        }
    }

    private void vcpu(int c) {
        CpuInterface cpu = gic.cpu(c);
        while (running || irq[c].get()) {
            if (!irq[c].get()) {
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            for (long intid; (intid = cpu.read(IccRegister.IAR1)) != 1023; ) {
                taken.incrementAndGet((int) intid);
                takenPerCpu.incrementAndGet(c);
                cpu.write(IccRegister.EOIR1, intid);
            }
            if (!running) {
                irq[c].set(false);
            }
        }
    }

    private void msiDevice(int c) {
        int vector = 0;
        while (running) {
            int intid = 8192 + (c * 97 + vector++) % LPIS;
            raised.incrementAndGet(intid);
            gic.redistributor(c).setLpiPending(intid);
            if ((vector & 255) == 0) {
                Thread.yield();
            }
        }
    }

    private void spiDevice() {
        int n = 0;
        while (running) {
            int intid = 32 + n++ % SPIS;
            raised.incrementAndGet(intid);
            gic.pulseSpi(intid);
            if ((n & 63) == 0) {
                LockSupport.parkNanos(10_000);
            }
        }
    }

    private boolean verify() {
        long raisedTotal = 0;
        long takenTotal = 0;
        int bad = 0;
        for (int i = 0; i < raised.length(); i++) {
            long r = raised.get(i);
            long t = taken.get(i);
            raisedTotal += r;
            takenTotal += t;
            if (t > r || (r > 0 && t == 0)) {
                bad++;
                System.out.printf("INTID %d raised %d taken %d%n", i, r, t);
            }
        }
        System.out.printf("raised %d, taken %d (the rest coalesced with a raise still pending), lost 0 expected: %s%n",
            raisedTotal, takenTotal, bad == 0 ? "OK" : bad + " INTIDs wrong");
        System.out.println("counters: " + gic.counters());
        return bad == 0;
    }

    private final class Host implements GicHost, GuestMemory {
        @Override
        public GuestMemory memory() {
            return this;
        }

        @Override
        public void setIrq(int cpu, boolean asserted) {
            irq[cpu].set(asserted);
            if (asserted && vcpuThreads[cpu] != null) {
                LockSupport.unpark(vcpuThreads[cpu]);
            }
        }

        @Override
        public void setFiq(int cpu, boolean asserted) {
        }

        @Override
        public boolean read(long address, byte[] dst, int offset, int length) {
            if (address < RAM_BASE || address + length > RAM_BASE + RAM_SIZE || length < 0) {
                return false;
            }
            System.arraycopy(ram, (int) (address - RAM_BASE), dst, offset, length);
            return true;
        }

        @Override
        public boolean write(long address, byte[] src, int offset, int length) {
            if (address < RAM_BASE || address + length > RAM_BASE + RAM_SIZE || length < 0) {
                return false;
            }
            System.arraycopy(src, offset, ram, (int) (address - RAM_BASE), length);
            return true;
        }
    }
}
