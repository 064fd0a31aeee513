package gic.core;

import gic.api.GicHost;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Where every guest error goes once the model has given it the architecture's answer: a counter per
 * block, a rate-limited log line, and the host's {@link GicHost#guestError} callback.
 */
public final class GuestErrors {

    private static final Logger LOG = System.getLogger("gic.guest");
    /** Log at most this many lines per window; the rest are counted and summarised. */
    private static final int LINES_PER_WINDOW = 20;
    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final Counters counters;
    private final GicHost host;
    private long windowStart = System.nanoTime();
    private int linesInWindow;
    private long suppressed;

    public GuestErrors(Counters counters, GicHost host) {
        this.counters = counters;
        this.host = host;
    }

    /** Records a guest error of {@code block}. */
    public void report(String block, String message) {
        counters.increment("guestError");
        counters.increment("guestError." + block);
        log(block, message);
        host.guestError(block, message);
    }

    private void log(String block, String message) {
        long dropped;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - windowStart > WINDOW_NANOS) {
                windowStart = now;
                linesInWindow = 0;
            }
            if (++linesInWindow > LINES_PER_WINDOW) {
                suppressed++;
                return;
            }
            dropped = suppressed;
            suppressed = 0;
        }
        if (dropped > 0) {
            LOG.log(Level.WARNING, "{0} further guest errors not logged", dropped);
        }
        LOG.log(Level.WARNING, "guest error in {0}: {1}", block, message);
    }
}
