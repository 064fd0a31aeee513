package gic.host.machine;

import gic.api.Gic;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The wired interrupt sources, on one thread: each CPU's EL1 physical timer, which raises PPI 30 (level)
 * every tick until the vCPU's handler lowers it, and a device whose edge-triggered SPIs
 * ({@link #spiLines} of them from INTID {@value #FIRST_SPI}, SPI n routed to CPU n % cpus) it pulses in turn.
 */
final class Timer extends Worker {

    /** First SPI of the wired device: where QEMU virt wires its virtio-mmio transports (SPI 16). */
    static final int FIRST_SPI = 48;
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final int cpus;
    private final Ledger ledger;
    private final long tickNanos;
    private final long spiNanos;
    private long nextTick;
    private long nextSpi;
    private int spiCursor;

    Timer(MachineConfig config, Ledger ledger) {
        super("gic-host-timer");
        this.cpus = config.cpus();
        this.ledger = ledger;
        this.tickNanos = config.timerHz() == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / config.timerHz();
        this.spiNanos = config.spiRateHz() == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / config.spiRateHz();
        resumed();
    }

    /** SPI lines of the wired device of a machine with {@code cpus} CPUs. */
    static int spiLines(int cpus) {
        return Math.min(cpus, 32);
    }

    @Override
    protected void resumed() {
        nextTick = nextSpi = System.nanoTime();
    }

    @Override
    protected void step() {
        Gic g = gic;
        long now = System.nanoTime();
        if (g == null) {
            LockSupport.parkNanos(MAX_PARK_NANOS);
            return;
        }
        if (tickNanos > 0 && now - nextTick >= 0) {
            for (int c = 0; c < cpus; c++) {
                ledger.raise(c, Vcpu.TIMER_PPI);
                g.setPpiLevel(c, Vcpu.TIMER_PPI, true); // CNTP_CVAL reached: the timer condition holds
            }
            nextTick = Math.max(nextTick + tickNanos, now - MAX_LAG_NANOS);
            return;
        }
        if (spiNanos > 0 && now - nextSpi >= 0) {
            int intid = FIRST_SPI + spiCursor;
            spiCursor = (spiCursor + 1) % spiLines(cpus);
            ledger.raise(-1, intid);
            g.pulseSpi(intid);
            nextSpi = Math.max(nextSpi + spiNanos, now - MAX_LAG_NANOS);
            return;
        }
        long wait = MAX_PARK_NANOS;
        if (tickNanos > 0) {
            wait = Math.min(wait, nextTick - now);
        }
        if (spiNanos > 0) {
            wait = Math.min(wait, nextSpi - now);
        }
        LockSupport.parkNanos(Math.max(wait, 1));
    }
}
