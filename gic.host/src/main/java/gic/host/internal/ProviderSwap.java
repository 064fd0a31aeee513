package gic.host.internal;

import gic.api.GicProvider;
import gic.host.ReferenceHost;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Objects;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * A provider swap the way an operator asks for it: through Config Admin, by setting the host configuration's
 * {@code lpi.target}, then waiting until the host runs on the new provider. Used by {@code gic:swap} and the
 * unattended run.
 */
final class ProviderSwap {

    /** The host configuration property that DS reads as the target filter of reference {@code lpi}. */
    static final String LPI_TARGET = "lpi.target";

    private final ConfigurationAdmin configurationAdmin;
    private final ReferenceHost host;

    ProviderSwap(ConfigurationAdmin configurationAdmin, ReferenceHost host) {
        this.configurationAdmin = Objects.requireNonNull(configurationAdmin);
        this.host = Objects.requireNonNull(host);
    }

    /** The filter selecting the provider with {@code gic.lpi=mode}. */
    static String filterFor(String mode) {
        return "(" + GicProvider.LPI_PROPERTY + "=" + mode + ")";
    }

    /** {@code its} or {@code directlpi}, else {@link IllegalArgumentException}. */
    static String checkMode(String mode) {
        if (GicProvider.LPI_ITS.equals(mode) || GicProvider.LPI_DIRECT.equals(mode)) {
            return mode;
        }
        throw new IllegalArgumentException("provider must be " + GicProvider.LPI_ITS + " or "
            + GicProvider.LPI_DIRECT + ", not '" + mode + "'");
    }

    /**
     * Sets {@code lpi.target} to select {@code mode} (keeping the other properties) and waits at most
     * {@code timeoutMillis} until the host runs on it.
     *
     * @return a one-line account ("its -> directlpi in 12 ms")
     * @throws IllegalStateException if the host is not on {@code mode} in time
     */
    String swapTo(String mode, long timeoutMillis) throws IOException, InterruptedException {
        checkMode(mode);
        String from = host.lpiMode();
        long start = System.nanoTime();
        setProperty(LPI_TARGET, filterFor(mode));
        long deadline = start + timeoutMillis * 1_000_000L;
        String now;
        while (!(now = host.lpiMode()).equals(mode)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the host is still on " + now + " after " + timeoutMillis
                    + " ms; is a provider with " + filterFor(mode) + " registered?");
            }
            Thread.sleep(5);
        }
        return from + " -> " + mode + " in " + (System.nanoTime() - start) / 1_000_000L + " ms";
    }

    /** Sets one property of the host configuration, keeping the others (creating the configuration if needed). */
    void setProperty(String key, Object value) throws IOException {
        Configuration c = configurationAdmin.getConfiguration(ReferenceHost.PID, "?");
        Dictionary<String, Object> properties = c.getProperties();
        if (properties == null) {
            properties = new Hashtable<>();
        }
        properties.put(key, value);
        c.update(properties);
    }
}
