package gic.integration;

import static gic.integration.HostFixture.awaitMode;
import static gic.integration.HostFixture.awaitTraffic;
import static gic.integration.HostFixture.configure;
import static gic.integration.HostFixture.filter;
import static gic.integration.HostFixture.leftovers;
import static gic.integration.HostFixture.settleOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicProvider;
import gic.host.HostStats;
import gic.host.ReferenceHost;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The host swaps its GIC provider when its configuration's {@code lpi.target} changes: under MSI load, with
 * no interrupt lost or doubled, without reactivating the host, and leaving no thread in the old provider.
 */
class HostSwapTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 5000)
    ReferenceHost host;

    @InjectService(timeout = 5000)
    ConfigurationAdmin cm;

    @BeforeEach
    @AfterEach
    void defaults() throws Exception {
        HostFixture.reset(cm, host, context);
    }

    @Test
    void a_configuration_change_swaps_providers_under_msi_load_and_loses_nothing() throws Exception {
        long hostServiceId = hostServiceId();
        long swapsBefore = host.stats().swaps();

        configure(cm, Map.of("lpi.target", filter("directlpi")));
        awaitMode(host, "directlpi");
        awaitTraffic(host);
        configure(cm, Map.of("lpi.target", filter("its")));
        awaitMode(host, "its");
        awaitTraffic(host); // the ITS mappings came back from the guest-memory tables: MSIs are translated again

        HostStats after = host.stats();
        assertEquals(swapsBefore + 2, after.swaps(), "swaps: its -> directlpi -> its");
        assertEquals(hostServiceId, hostServiceId(), "the host was rebound in place, not reactivated");
        settleOk(host);
    }

    @Test
    void after_a_swap_no_thread_runs_the_old_providers_code() throws Exception {
        ClassLoader itsLoader = providerLoader("its");
        ClassLoader directLoader = providerLoader("directlpi");

        configure(cm, Map.of("lpi.target", filter("directlpi")));
        awaitMode(host, "directlpi");
        awaitTraffic(host);

        List<String> left = leftovers("gic.its.impl", itsLoader, 50);
        assertTrue(left.isEmpty(), "threads still in the ITS provider after the swap: " + left);
        assertSame(directLoader, host.gic().orElseThrow().getClass().getClassLoader(),
            "the running GIC comes from gic.directlpi.impl");

        configure(cm, Map.of("lpi.target", filter("its")));
        awaitMode(host, "its");
        awaitTraffic(host);
        left = leftovers("gic.directlpi.impl", directLoader, 50);
        assertTrue(left.isEmpty(), "threads still in the DirectLPI provider after the swap back: " + left);
        settleOk(host);
    }

    /** The class loader of the bundle registering the provider with {@code gic.lpi=mode}. */
    private ClassLoader providerLoader(String mode) throws Exception {
        ServiceReference<GicProvider> ref = context.getServiceReferences(GicProvider.class, filter(mode)).iterator()
            .next();
        return ref.getBundle().adapt(BundleWiring.class).getClassLoader();
    }

    private long hostServiceId() {
        return (Long) context.getServiceReference(ReferenceHost.class).getProperty(Constants.SERVICE_ID);
    }
}
