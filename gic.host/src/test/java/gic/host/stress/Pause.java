package gic.host.stress;

import java.util.function.BooleanSupplier;

/**
 * A stop-the-world point for the stress workers: each worker calls {@link #point()} between operations
 * (never inside one); {@link #pauseAll} returns once every worker waits there, so the coordinator sees
 * a quiescent machine (no MSI, command, acknowledge or snapshot in progress) and, through this object's
 * monitor, everything the workers wrote.
 */
final class Pause {

    private final Object lock = new Object();
    private volatile boolean requested;
    private int waiting;
    private long generation;

    /** Waits here while a pause is requested. */
    void point() {
        if (!requested) {
            return;
        }
        synchronized (lock) {
            if (!requested) {
                return;
            }
            waiting++;
            lock.notifyAll();
            long g = generation;
            while (generation == g) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while paused", e);
                }
            }
        }
    }

    /** Requests a pause and waits until {@code parties} workers wait; gives up if {@code failed} holds. */
    void pauseAll(int parties, BooleanSupplier failed) throws InterruptedException {
        synchronized (lock) {
            requested = true;
            while (waiting < parties) {
                if (failed.getAsBoolean()) {
                    throw new IllegalStateException("a worker failed while the others were pausing");
                }
                lock.wait(20);
            }
        }
    }

    /** Lets every waiting worker go on. */
    void resumeAll() {
        synchronized (lock) {
            requested = false;
            waiting = 0;
            generation++;
            lock.notifyAll();
        }
    }
}
