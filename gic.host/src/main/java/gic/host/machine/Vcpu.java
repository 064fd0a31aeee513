package gic.host.machine;

import gic.api.CpuInterface;
import gic.api.Gic;
import gic.api.IccRegister;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A vCPU running a guest's IRQ exception path: it waits (parked) while its IRQ line is low, then reads
 * ICC_IAR1_EL1 until 1023, running each handler and writing ICC_EOIR1_EL1. It pauses only between batches,
 * never between an acknowledge and its EOI.
 */
final class Vcpu extends Worker {

    /** The EL1 physical timer's PPI (CNTP, INTID 30). */
    static final int TIMER_PPI = 30;
    /** Bound on an idle wait, so a lost wake-up costs at most this much. */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Acknowledges per step before the gate is checked again. */
    private static final int BATCH = 64;

    private final int index;
    private final Ledger ledger;
    private final AtomicLong taken = new AtomicLong();
    private volatile CpuInterface cpu;
    private volatile boolean irqLine;
    private volatile boolean kicked;
    private volatile boolean handling;

    Vcpu(int index, Ledger ledger) {
        super("gic-host-vcpu-" + index);
        this.index = index;
        this.ledger = ledger;
    }

    @Override
    void bind(Gic g) {
        super.bind(g);
        cpu = g == null ? null : g.cpu(index);
    }

    /** The GIC's IRQ line callback: remembers the level and wakes the vCPU on a rise. */
    void irq(boolean asserted) {
        irqLine = asserted;
        if (asserted) {
            wake();
        }
    }

    /** Makes the vCPU look for interrupts once whatever its line says (after a GIC was rebound). */
    void kick() {
        kicked = true;
        wake();
    }

    /** What the vCPU is doing, for a settle that found interrupts left pending on its CPU. */
    String describe() {
        return "IRQ line " + (irqLine ? "high" : "low") + " as last signalled, " + (handling ? "in its handler"
            : kicked ? "kicked" : "waiting") + ", thread " + threadState();
    }

    /** IRQ line low and no handler running. */
    boolean idle() {
        return !irqLine && !kicked && !handling;
    }

    /** Interrupts acknowledged. */
    long taken() {
        return taken.get();
    }

    @Override
    protected void step() {
        CpuInterface c = cpu;
        Gic g = gic;
        if (c == null || (!irqLine && !kicked)) {
            LockSupport.parkNanos(IDLE_PARK_NANOS);
            return;
        }
        handling = true;
        kicked = false;
        try {
            for (int n = 0; n < BATCH; n++) {
                int intid = (int) c.read(IccRegister.IAR1);
                if (intid >= 1020 && intid <= 1023) {
                    return; // nothing (or nothing for this PE) to take
                }
                if (intid == TIMER_PPI) {
                    g.setPpiLevel(index, TIMER_PPI, false); // the handler moves CNTP_CVAL on: the timer condition ends
                }
                // Recorded after the handler: a timer tick that arrived while it ran is subsumed by it, as a
                // real timer's would be by the new CNTP_CVAL.
                ledger.take(index, intid);
                taken.incrementAndGet();
                c.write(IccRegister.EOIR1, intid);
            }
        } finally {
            handling = false;
        }
    }
}
