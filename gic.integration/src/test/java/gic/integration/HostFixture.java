package gic.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import gic.host.HostStats;
import gic.host.ReferenceHost;
import gic.host.Verdict;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * What the host tests share: the host configuration through Config Admin, waiting for the machine's state
 * (generous watchdogs, never timing assertions), the interrupt verdict, and looking for threads that still run
 * a provider's code.
 */
final class HostFixture {

    /** Watchdog for anything the host does asynchronously (a swap takes milliseconds). */
    static final long WAIT_MILLIS = 20_000;
    /** How long settle() may wait for the vCPUs to drain. */
    static final long SETTLE_MILLIS = 10_000;

    private HostFixture() {
    }

    /** Sets properties of the host configuration (PID gic.host), keeping the others. */
    static void configure(ConfigurationAdmin cm, Map<String, ?> properties) throws IOException {
        Configuration c = cm.getConfiguration(ReferenceHost.PID, "?");
        Hashtable<String, Object> p = new Hashtable<>();
        if (c.getProperties() != null) {
            for (var keys = c.getProperties().keys(); keys.hasMoreElements();) {
                String k = keys.nextElement();
                p.put(k, c.getProperties().get(k));
            }
        }
        p.putAll(properties);
        c.update(p);
    }

    /**
     * Puts the host configuration back to the defaults that matter here (lpi.target (gic.lpi=its), fallback
     * on, no other setting) and waits until the host runs on the ITS provider with its MSIs flowing. The
     * configuration is updated, never deleted: with Felix SCR 2.2.18 and Config Admin 1.9.26, an update made
     * right after deleting the same PID is sometimes not applied to the component (a probe that deleted it and
     * set a new lpi.target 40 times found the host still on the old provider 3 s later in 8 of them).
     */
    static void reset(ConfigurationAdmin cm, ReferenceHost host, BundleContext context) throws Exception {
        Configuration c = cm.getConfiguration(ReferenceHost.PID, "?");
        c.update(new Hashtable<>(Map.of("lpi.target", filter("its"), "fallback", true)));
        awaitProperty(context, "fallback", Boolean.TRUE);
        awaitProperty(context, "lpi.target", filter("its"));
        awaitMode(host, "its");
        awaitTraffic(host);
    }

    /** Waits until the host's service shows {@code key = value} (DS publishes configuration properties there). */
    static void awaitProperty(BundleContext context, String key, Object value) {
        await(() -> {
            ServiceReference<ReferenceHost> ref = context.getServiceReference(ReferenceHost.class);
            Object v = ref == null ? null : ref.getProperty(key);
            return value.equals(v);
        }, () -> "host service property " + key + " = " + value);
    }

    /** Waits until the host runs on {@code mode} ({@code its}, {@code directlpi} or {@code none}). */
    static void awaitMode(ReferenceHost host, String mode) {
        await(() -> mode.equals(host.lpiMode()), () -> "host on " + mode + " (it is on " + host.lpiMode() + ")");
    }

    /** Waits until devices write MSIs and vCPUs take interrupts after this call. */
    static void awaitTraffic(ReferenceHost host) {
        HostStats before = host.stats();
        await(() -> {
            HostStats now = host.stats();
            return now.msis() > before.msis() + 100 && now.taken() > before.taken() + 100;
        }, () -> "MSIs written and interrupts taken (" + host.stats() + ")");
    }

    /** settle(), failing with every problem the ledger found unless the verdict is ok. */
    static Verdict settleOk(ReferenceHost host) {
        Verdict v = host.settle(SETTLE_MILLIS);
        if (!v.ok()) {
            fail("verdict not ok: raised " + v.raised() + ", taken " + v.taken() + ", lost " + v.lost()
                + ", doubled " + v.doubled() + ", swap mismatches " + v.swapMismatches() + "\n  "
                + String.join("\n  ", v.problems()));
        }
        assertEquals(0, v.lost(), "INTIDs lost");
        assertEquals(0, v.doubled(), "INTIDs taken more often than raised");
        assertEquals(0, v.swapMismatches(), "swaps whose pending state differed");
        return v;
    }

    /** Threads with a stack frame of a class in {@code packagePrefix}: "thread-name at frame" each. */
    static List<String> threadsRunning(String packagePrefix) {
        List<String> found = new ArrayList<>();
        Thread.getAllStackTraces().forEach((thread, frames) -> {
            for (StackTraceElement f : frames) {
                if (f.getClassName().startsWith(packagePrefix)) {
                    found.add(thread.getName() + " at " + f);
                    break;
                }
            }
        });
        return found;
    }

    /** Threads whose context class loader is {@code loader}. */
    static List<String> threadsWithContextLoader(ClassLoader loader) {
        List<String> found = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getContextClassLoader() == loader) {
                found.add(t.getName());
            }
        }
        return found;
    }

    /**
     * Samples the threads {@code samples} times, a millisecond apart, and returns what each sample found
     * running {@code packagePrefix} or holding {@code loader} as context class loader (empty if none did).
     */
    static List<String> leftovers(String packagePrefix, ClassLoader loader, int samples) throws InterruptedException {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < samples && found.isEmpty(); i++) {
            found.addAll(threadsRunning(packagePrefix));
            found.addAll(threadsWithContextLoader(loader));
            Thread.sleep(1);
        }
        return found;
    }

    static void await(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + WAIT_MILLIS + " ms: " + what.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what.get());
            }
        }
    }

    static String filter(String mode) {
        return "(gic.lpi=" + mode + ")";
    }
}
