package gic.host.machine;

import gic.api.Gic;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One thread of the machine (a vCPU, a device, the timer): a loop of {@link #step()}s with a gate at the top
 * of each. "Paused" means parked at the gate, so a step (an MSI write, an acknowledge-to-EOI batch) is never
 * cut in half. Every wait here is bounded or ends on {@link #stop()}.
 */
abstract class Worker {

    private static final System.Logger LOG = System.getLogger("gic.host");
    /** Back-off after a step threw, so a broken GIC cannot make the thread spin. */
    private static final long FAILURE_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Thread thread;
    private final Object gate = new Object();
    private volatile boolean pauseRequested;
    private volatile boolean stopping;
    private boolean atGate; // guarded by gate
    private final AtomicLong failures = new AtomicLong();
    private volatile String firstFailure;
    /** The Error that ended the thread before {@link #stop()}, or {@code null}. */
    private volatile String endedBy;
    /** The GIC this worker drives; changed only while it is paused (or not started). */
    protected volatile Gic gic;

    Worker(String name) {
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    /** One unit of work between two gate checks. */
    protected abstract void step();

    /** Called on this worker's thread when it leaves the gate after a pause. */
    protected void resumed() {
    }

    final String name() {
        return thread.getName();
    }

    final void start() {
        thread.start();
    }

    /** Binds the GIC (or none); only while paused or before {@link #start()}. */
    void bind(Gic g) {
        gic = g;
    }

    final void requestPause() {
        pauseRequested = true;
        wake();
    }

    /** Waits until parked at the gate (or not running); {@code false} if {@code deadline} (nanoTime) passed first. */
    final boolean awaitPaused(long deadline) throws InterruptedException {
        synchronized (gate) {
            while (!atGate && thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(gate, left);
            }
            return true;
        }
    }

    final void resume() {
        synchronized (gate) {
            pauseRequested = false;
            gate.notifyAll();
        }
    }

    /** Asks the thread to end; {@link #join} waits for it. */
    final void stop() {
        stopping = true;
        synchronized (gate) {
            gate.notifyAll();
        }
        wake();
    }

    /** Waits until the thread ended, at most until {@code deadline} (nanoTime); interrupts it if it overstays. */
    final boolean join(long deadline) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left > 0) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(100);
        }
        return !thread.isAlive();
    }

    final boolean alive() {
        return thread.isAlive();
    }

    /** Unparks the thread (a new IRQ level, a pause or stop request). */
    protected final void wake() {
        LockSupport.unpark(thread);
    }

    final long failures() {
        return failures.get();
    }

    final String firstFailure() {
        return firstFailure;
    }

    /**
     * What ended the thread early: an {@link Error} out of a step (a class of a provider bundle that went away,
     * a stack overflow...), which the loop does not survive; {@code null} while it runs or after {@link #stop()}.
     */
    final String endedBy() {
        return endedBy;
    }

    /** The thread's state (a vCPU BLOCKED in the GIC, or TERMINATED, explains interrupts left pending). */
    final Thread.State threadState() {
        return thread.getState();
    }

    private void run() {
        try {
            while (!stopping) {
                if (pauseRequested && !passGate()) {
                    return;
                }
                try {
                    step();
                } catch (RuntimeException e) {
                    if (failures.getAndIncrement() == 0) {
                        firstFailure = e.toString();
                        LOG.log(Level.WARNING, name() + ": step failed (further failures are only counted)", e);
                    }
                    LockSupport.parkNanos(FAILURE_BACKOFF_NANOS);
                }
            }
        } catch (Error e) {
            // The thread ends here, recorded for settle(): a dead vCPU otherwise shows only as interrupts left
            // pending on its CPU, and a pause counts a thread that ended as paused.
            endedBy = e.toString();
            LOG.log(Level.ERROR, name() + ": ended by an error", e);
        }
    }

    /** Parks at the gate while a pause is requested; {@code false} if the worker is to stop. */
    private boolean passGate() {
        boolean parked = false;
        synchronized (gate) {
            try {
                while (pauseRequested && !stopping) {
                    atGate = true;
                    parked = true;
                    gate.notifyAll();
                    gate.wait();
                }
            } catch (InterruptedException e) {
                stopping = true; // only close() interrupts, and only a worker that overstayed
            } finally {
                atGate = false;
            }
        }
        if (stopping) {
            return false;
        }
        if (parked) {
            resumed();
        }
        return true;
    }
}
