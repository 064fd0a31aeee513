package gic.integration;

import static gic.integration.HostFixture.awaitMode;
import static gic.integration.HostFixture.awaitProperty;
import static gic.integration.HostFixture.awaitTraffic;
import static gic.integration.HostFixture.configure;
import static gic.integration.HostFixture.leftovers;
import static gic.integration.HostFixture.settleOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.host.HostStats;
import gic.host.ReferenceHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The ITS provider's bundle is updated or stopped under MSI load: the host swaps to the DirectLPI provider
 * while it is gone (or, without fallback, pauses holding its snapshot) and back when it returns; no interrupt
 * is lost or doubled and no thread is left in the old bundle.
 */
class BundleUpdateTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 5000)
    ReferenceHost host;

    @InjectService(timeout = 5000)
    ConfigurationAdmin cm;

    @BeforeEach
    @AfterEach
    void defaults() throws Exception {
        Bundle its = itsBundle();
        if (its.getState() != Bundle.ACTIVE) {
            its.start();
        }
        HostFixture.reset(cm, host, context);
    }

    @Test
    void updating_the_its_bundle_under_load_falls_back_to_directlpi_and_returns_losing_nothing() throws Exception {
        Bundle its = itsBundle();
        ClassLoader oldLoader = its.adapt(BundleWiring.class).getClassLoader();
        long swapsBefore = host.stats().swaps();
        // While the old revision is stopped and the new one not yet installed (a synchronous listener runs
        // inside update()), see what the host runs on and which threads are in ITS code.
        List<String> whileGone = new ArrayList<>();
        SynchronousBundleListener probe = event -> {
            if (event.getBundle().equals(its) && event.getType() == BundleEvent.STOPPED) {
                whileGone.add("mode " + host.lpiMode());
                try {
                    whileGone.addAll(leftovers("gic.its.impl", oldLoader, 20));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        context.addBundleListener(probe);
        try {
            its.update();
        } finally {
            context.removeBundleListener(probe);
        }
        assertEquals(List.of("mode directlpi"), whileGone, "while gic.its.impl was stopped for its update");

        awaitMode(host, "its");
        awaitTraffic(host);
        ClassLoader newLoader = its.adapt(BundleWiring.class).getClassLoader();
        assertNotSame(oldLoader, newLoader, "update() made a new revision");
        assertSame(newLoader, host.gic().orElseThrow().getClass().getClassLoader(),
            "the running GIC comes from the updated gic.its.impl");
        assertTrue(HostFixture.threadsWithContextLoader(oldLoader).isEmpty(),
            "threads with the old revision's class loader: " + HostFixture.threadsWithContextLoader(oldLoader));
        HostStats after = host.stats();
        assertEquals(swapsBefore + 2, after.swaps(), "swaps: its -> directlpi -> its");
        settleOk(host);
    }

    @Test
    void stopping_the_its_bundle_leaves_no_thread_in_it_and_starting_it_swaps_back() throws Exception {
        Bundle its = itsBundle();
        ClassLoader loader = its.adapt(BundleWiring.class).getClassLoader();

        its.stop();
        assertEquals("directlpi", host.lpiMode(), "the host swapped before the provider's bundle stopped");
        awaitTraffic(host);
        List<String> left = leftovers("gic.its.impl", loader, 50);
        assertTrue(left.isEmpty(), "threads still in gic.its.impl after it stopped: " + left);

        its.start();
        awaitMode(host, "its");
        awaitTraffic(host);
        settleOk(host);
    }

    @Test
    void without_fallback_the_machine_pauses_while_the_its_bundle_is_stopped() throws Exception {
        configure(cm, Map.of("fallback", false));
        awaitProperty(context, "fallback", Boolean.FALSE);
        Bundle its = itsBundle();

        its.stop();
        assertEquals("none", host.lpiMode(), "paused, holding the GIC's snapshot");
        HostStats paused = host.stats();
        Thread.sleep(100);
        assertEquals(paused.msis(), host.stats().msis(), "no MSI is written while no GIC is bound");

        its.start();
        awaitMode(host, "its");
        awaitTraffic(host); // restored from the held snapshot: the ITS tables still translate
        settleOk(host);
    }

    private Bundle itsBundle() {
        for (Bundle b : context.getBundles()) {
            if ("gic.its.impl".equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle gic.its.impl");
    }
}
