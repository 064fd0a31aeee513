package gic.host.internal;

import gic.api.GicProvider;
import gic.host.HostStats;
import gic.host.ReferenceHost;
import gic.host.Verdict;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The body of an unattended run: figures every second, a provider swap through Config Admin every
 * {@code swapEvery} seconds, then the settle verdict. Exit code 0 only if the verdict is ok and every swap
 * happened; 1 otherwise (also when stopped early).
 */
final class TimedRun {

    /** How long settle() may wait for the vCPUs to drain. */
    static final long SETTLE_MILLIS = 10_000;
    /** How long the run waits for the host's first provider. */
    static final long FIRST_PROVIDER_MILLIS = 30_000;

    private final ReferenceHost host;
    private final ProviderSwap swap;
    private final PrintStream out;
    private final long swapMillis;

    TimedRun(ReferenceHost host, ProviderSwap swap, PrintStream out, long swapMillis) {
        this.host = host;
        this.swap = swap;
        this.out = out;
        this.swapMillis = swapMillis;
    }

    /** Runs {@code options.seconds()} seconds unless {@code stopped} turns true; returns the exit code. */
    int run(RunOptions options, BooleanSupplier stopped) throws InterruptedException {
        try {
            swap.setProperty("report.seconds", 0); // this run prints its own figures, every second
        } catch (IOException e) {
            out.println("gic: FAILED: cannot configure the host: " + e);
            return 1;
        }
        long waitUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FIRST_PROVIDER_MILLIS);
        while ("none".equals(host.lpiMode()) && System.nanoTime() - waitUntil < 0 && !stopped.getAsBoolean()) {
            Thread.sleep(10);
        }
        out.println("gic: unattended run of " + options.seconds() + " s on " + host.lpiMode()
            + (options.swapEvery() > 0 ? ", swapping providers every " + options.swapEvery() + " s" : ""));
        List<String> failures = new ArrayList<>();
        Figures figures = new Figures();
        long start = System.nanoTime();
        for (int t = 1; t <= options.seconds() && !stopped.getAsBoolean(); t++) {
            long sleep = start + TimeUnit.SECONDS.toNanos(t) - System.nanoTime();
            if (sleep > 0) {
                TimeUnit.NANOSECONDS.sleep(sleep);
            }
            out.println(figures.line(host.stats()));
            if (options.swapEvery() > 0 && t % options.swapEvery() == 0 && t < options.seconds()) {
                String to = GicProvider.LPI_ITS.equals(host.lpiMode()) ? GicProvider.LPI_DIRECT : GicProvider.LPI_ITS;
                try {
                    out.println("gic: swapped " + swap.swapTo(to, swapMillis));
                } catch (IllegalStateException | IOException e) {
                    failures.add("swap to " + to + " failed: " + e.getMessage());
                    out.println("gic: swap to " + to + " failed: " + e.getMessage());
                }
            }
        }
        if (stopped.getAsBoolean()) {
            out.println("gic: run interrupted: the framework is stopping");
            return 1;
        }
        Verdict v = host.settle(SETTLE_MILLIS);
        out.println(verdictLine(v, host.stats()));
        v.problems().forEach(p -> out.println("  " + p));
        failures.forEach(f -> out.println("  " + f));
        boolean ok = v.ok() && failures.isEmpty();
        out.println("gic: " + (ok ? "OK: nothing lost or doubled" : "FAILED"));
        out.flush();
        return ok ? 0 : 1;
    }

    /** The verdict as one line. */
    static String verdictLine(Verdict v, HostStats s) {
        return "gic: verdict " + (v.ok() ? "ok" : "NOT ok") + ": raised=" + v.raised() + " taken=" + v.taken()
            + " lost=" + v.lost() + " doubled=" + v.doubled() + " swapMismatches=" + v.swapMismatches()
            + " | msis=" + s.msis() + " swaps=" + s.swaps() + " paused=" + s.pausedMillis() + "ms on "
            + s.lpiMode();
    }
}
