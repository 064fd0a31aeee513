package gic.core;

import gic.api.GicHost;

/**
 * Where every guest error goes once the model has given it the architecture's answer: a counter per
 * block, a rate-limited log line, and the host's {@link GicHost#guestError} callback.
 */
public final class GuestErrors {

    private final Counters counters;
    private final GicHost host;
    private final RateLimitedLog log = new RateLimitedLog("gic.guest");

    public GuestErrors(Counters counters, GicHost host) {
        this.counters = counters;
        this.host = host;
    }

    /** Records a guest error of {@code block}. */
    public void report(String block, String message) {
        counters.increment("guestError");
        counters.increment("guestError." + block);
        log.warn(() -> "guest error in " + block + ": " + message);
        host.guestError(block, message);
    }
}
