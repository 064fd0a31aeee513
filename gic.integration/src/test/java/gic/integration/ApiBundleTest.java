package gic.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.resource.Capability;
import org.osgi.test.common.annotation.InjectBundleContext;

/**
 * The API and core bundles as the framework sees them once the runtime is up. Exports are
 * read from each bundle's revision, that is the framework's own parse of its Export-Package
 * header.
 */
class ApiBundleTest {

    @InjectBundleContext
    BundleContext context;

    @Test
    void api_exports_gic_api_1_1_0_and_core_exports_its_packages() {
        Bundle api = bundle("gic.api");
        assertEquals(Bundle.ACTIVE, api.getState(), "state of gic.api");
        assertEquals(new Version(1, 1, 0), exports(api).get("gic.api"),
                "version of package gic.api exported by bundle gic.api; Export-Package: "
                        + api.getHeaders().get("Export-Package"));

        Bundle core = bundle("gic.core");
        assertEquals(Bundle.ACTIVE, core.getState(), "state of gic.core");
        List<String> corePackages = exports(core).keySet().stream()
                .filter(p -> p.equals("gic.core") || p.startsWith("gic.core."))
                .collect(Collectors.toList());
        assertFalse(corePackages.isEmpty(), "bundle gic.core exports no gic.core package; Export-Package: "
                + core.getHeaders().get("Export-Package"));
    }

    private Bundle bundle(String symbolicName) {
        Bundle found = Arrays.stream(context.getBundles())
                .filter(b -> symbolicName.equals(b.getSymbolicName()))
                .findFirst()
                .orElse(null);
        assertNotNull(found, () -> "no bundle " + symbolicName + " is installed");
        return found;
    }

    /** Package name to version, for every package the bundle exports. */
    private static Map<String, Version> exports(Bundle bundle) {
        return bundle.adapt(BundleRevision.class)
                .getCapabilities(PackageNamespace.PACKAGE_NAMESPACE).stream()
                .map(Capability::getAttributes)
                .collect(Collectors.toMap(
                        a -> (String) a.get(PackageNamespace.PACKAGE_NAMESPACE),
                        a -> (Version) a.get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE),
                        (first, second) -> first));
    }
}
