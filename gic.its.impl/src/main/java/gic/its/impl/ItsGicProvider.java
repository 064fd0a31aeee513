package gic.its.impl;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.core.GicCore;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The ITS-backed GIC provider ({@code gic.lpi=its}): GICs whose LPIs come from MSIs through Interrupt
 * Translation Services. As a DS component it takes its {@link ItsOptions} from configuration
 * ({@link Config}); in plain Java, from a constructor.
 */
@Component(configurationPid = ItsGicProvider.PID, property = GicProvider.LPI_PROPERTY + "=" + GicProvider.LPI_ITS)
@Designate(ocd = ItsGicProvider.Config.class)
public final class ItsGicProvider implements GicProvider {

    /** Configuration PID; property names are those of {@link Config} with {@code _} read as {@code .}. */
    public static final String PID = "gic.lpi.its";

    /** Configuration of the component: the defaults of {@link ItsOptions}. */
    @ObjectClassDefinition(name = "GIC ITS provider",
        description = "ITS-backed GICv3: the ITSes added to a configuration that names none, and ITS behaviour")
    public @interface Config {
        @AttributeDefinition(name = "ITS count", description = "ITSes added when a GIC configuration names none")
        int its_count() default 1;

        @AttributeDefinition(name = "ITS base", description = "Guest physical base of the first ITS (64 KiB aligned)")
        long its_base() default 0x0808_0000L;

        @AttributeDefinition(name = "ITS stride", description = "Distance between ITS bases (at least 128 KiB)")
        long its_stride() default 0x2_0000L;

        @AttributeDefinition(name = "DeviceID bits", description = "GITS_TYPER.Devbits + 1, 1..20")
        int device_id_bits() default 16;

        @AttributeDefinition(name = "EventID bits", description = "GITS_TYPER.ID_bits + 1, 1..16")
        int event_id_bits() default 16;

        @AttributeDefinition(name = "PTA", description = "GITS_TYPER.PTA: commands name redistributors by address")
        boolean pta() default false;

        @AttributeDefinition(name = "Translation cache size",
            description = "Cached translations per ITS (rounded up to a power of two); 0 = no cache")
        int translation_cache_size() default 4096;

        @AttributeDefinition(name = "Error policy",
            description = "Per ITS, \"skip\" or \"stall\"; the last entry applies to every further ITS")
        String[] error_policy() default {"skip"};
    }

    private final ItsOptions options;

    /** A provider with {@link ItsOptions#DEFAULTS}. */
    public ItsGicProvider() {
        this(ItsOptions.DEFAULTS);
    }

    public ItsGicProvider(ItsOptions options) {
        this.options = options;
    }

    /** The DS constructor: options from configuration. */
    @Activate
    public ItsGicProvider(Config config) {
        this(optionsOf(config));
    }

    /** {@link ItsOptions} from a configuration; throws {@link IllegalArgumentException} if it is invalid. */
    public static ItsOptions optionsOf(Config c) {
        List<ErrorPolicy> policies = new ArrayList<>();
        for (String p : c.error_policy() == null ? new String[0] : c.error_policy()) {
            policies.add(ErrorPolicy.parse(p));
        }
        if (policies.isEmpty()) {
            policies.add(ErrorPolicy.SKIP);
        }
        return new ItsOptions(c.its_count(), c.its_base(), c.its_stride(), c.device_id_bits(), c.event_id_bits(), c.pta(),
            c.translation_cache_size(), policies);
    }

    public ItsOptions options() {
        return options;
    }

    @Override
    public String lpiMode() {
        return LPI_ITS;
    }

    @Override
    public Gic create(GicConfig config, GicHost host) {
        return GicCore.create(withItses(config), host, core -> new ItsExtension(core, options));
    }

    @Override
    public Gic restore(GicSnapshot snapshot, GicHost host) {
        GicConfig config = withItses(snapshot.config());
        GicSnapshot s = config == snapshot.config() ? snapshot
            : new GicSnapshot(snapshot.formatVersion(), snapshot.lpiMode(), config, snapshot.distributor(),
                snapshot.redistributors(), snapshot.itses());
        return GicCore.restore(s, host, core -> new ItsExtension(core, options));
    }

    /** {@code config}, or, if it names no ITS, {@code config} with the ITSes of the options. */
    private GicConfig withItses(GicConfig config) {
        return config.itses().isEmpty() && options.itsCount() > 0 ? config.withItses(options.itsConfigs()) : config;
    }
}
