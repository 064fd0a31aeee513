package gic.integration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/** Every configurable component describes its settings through the Metatype service. */
class MetatypeTest {

    private static final Map<String, String> PID_TO_BUNDLE = Map.of(
        "gic.host", "gic.host",
        "gic.lpi.its", "gic.its.impl",
        "gic.lpi.directlpi", "gic.directlpi.impl");

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 5000)
    MetaTypeService metaType;

    @Test
    void the_host_and_both_providers_describe_every_setting_with_a_name_and_a_description() {
        PID_TO_BUNDLE.forEach((pid, bsn) -> {
            MetaTypeInformation info = metaType.getMetaTypeInformation(bundle(bsn));
            assertNotNull(info, "no metatype in " + bsn);
            assertTrue(Arrays.asList(info.getPids()).contains(pid), bsn + " designates " + pid);
            ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
            assertFalse(ocd.getName().isBlank(), "name of the OCD of " + pid);
            assertFalse(ocd.getDescription() == null || ocd.getDescription().isBlank(),
                "description of the OCD of " + pid);
            for (AttributeDefinition a : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
                assertFalse(a.getName() == null || a.getName().isBlank(), pid + " " + a.getID() + " has a name");
                assertFalse(a.getDescription() == null || a.getDescription().isBlank(),
                    pid + " " + a.getID() + " has a description");
            }
        });
    }

    @Test
    void the_host_describes_its_provider_filter_fallback_report_interval_and_machine_shape() {
        ObjectClassDefinition ocd = metaType.getMetaTypeInformation(bundle("gic.host"))
            .getObjectClassDefinition("gic.host", null);
        Set<String> ids = Arrays.stream(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL))
            .map(AttributeDefinition::getID).collect(Collectors.toSet());
        for (String id : new String[] {"lpi.target", "fallback", "report.seconds", "cpus", "ram.mib", "ram.base",
            "devices", "vectors.per.device", "msi.rate.per.device", "timer.hz", "spi.rate.hz", "gicd.base",
            "gicr.base", "its.base"}) {
            assertTrue(ids.contains(id), "gic.host attribute " + id + " in " + ids);
        }
    }

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst()
            .orElseThrow(() -> new AssertionError("no bundle " + symbolicName));
    }
}
