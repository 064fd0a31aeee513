package gic.core;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * A warning log that writes at most {@value #LINES_PER_WINDOW} lines a second and summarises the rest,
 * for messages a guest or a device can provoke at any rate. The message is built only if it is written.
 */
public final class RateLimitedLog {

    private static final int LINES_PER_WINDOW = 20;
    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final Logger log;
    private long windowStart = System.nanoTime();
    private int linesInWindow;
    private long suppressed;

    public RateLimitedLog(String loggerName) {
        log = System.getLogger(loggerName);
    }

    public void warn(Supplier<String> message) {
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
            log.log(Level.WARNING, "{0} further lines not logged", dropped);
        }
        log.log(Level.WARNING, message.get());
    }
}
