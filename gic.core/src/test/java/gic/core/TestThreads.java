package gic.core;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Named daemon worker threads for the concurrency tests. Each worker has a stop flag its body polls
 * (workers may share one). A throwable in a worker is collected and raises every worker's stop flag;
 * the test thread calls {@link #rethrow()} after joining, which fails the test with the first throwable
 * and the others suppressed.
 */
public final class TestThreads {

    private record Worker(Thread thread, AtomicBoolean stop) {}

    private record Failure(String thread, Throwable error) {}

    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    private final Queue<Failure> failures = new ConcurrentLinkedQueue<>();

    /** Starts a daemon thread {@code name} running {@code body}, which should end once {@code stop} is set. */
    public void start(String name, AtomicBoolean stop, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failures.add(new Failure(name, e));
                workers.forEach(w -> w.stop().set(true));
            }
        }, name);
        t.setDaemon(true);
        workers.add(new Worker(t, stop));
        t.start();
    }

    /** Whether a worker has thrown. */
    public boolean failed() {
        return !failures.isEmpty();
    }

    /** Sets the named threads' stop flags and joins them. */
    public void stop(String... names) throws InterruptedException {
        for (String n : names) {
            for (Worker w : workers) {
                if (w.thread().getName().equals(n)) {
                    w.stop().set(true);
                }
            }
        }
        join(names);
    }

    /** Joins the named threads, which end by themselves. */
    public void join(String... names) throws InterruptedException {
        for (String n : names) {
            for (Worker w : workers) {
                if (w.thread().getName().equals(n)) {
                    w.thread().join();
                }
            }
        }
    }

    /** Sets every stop flag and joins every thread, waiting at most 10 s for each (for tear-down). */
    public void stopAll() throws InterruptedException {
        workers.forEach(w -> w.stop().set(true));
        for (Worker w : workers) {
            w.thread().join(10_000);
        }
    }

    /** Throws an {@link AssertionError} caused by the first worker's throwable, the others suppressed. */
    public void rethrow() {
        Failure first = failures.peek();
        if (first != null) {
            AssertionError e = new AssertionError("worker thread " + first.thread() + " failed: " + first.error(),
                first.error());
            failures.stream().skip(1).forEach(f -> e.addSuppressed(f.error()));
            throw e;
        }
    }
}
