package gic.its.impl;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.core.GicCore;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The ITS-backed GIC provider ({@code gic.lpi=its}): GICs whose LPIs come from MSIs through Interrupt
 * Translation Services. As a DS component it takes its {@link ItsOptions} from configuration
 * ({@link Config}, PID {@value #PID}), which applies to the GICs it creates or restores afterwards; in plain
 * Java, from a constructor.
 */
@Component(configurationPid = ItsGicProvider.PID, property = GicProvider.LPI_PROPERTY + "=" + GicProvider.LPI_ITS)
@Designate(ocd = ItsGicProvider.Config.class)
public final class ItsGicProvider implements GicProvider {

    /** Configuration PID; property names are those of {@link Config} with {@code _} read as {@code .}. */
    public static final String PID = "gic.lpi.its";

    /** Configuration of the component: the defaults of {@link ItsOptions}. */
    @ObjectClassDefinition(name = "GIC ITS provider",
        description = "ITS-backed GICv3: the ITSes added to a configuration that names none, and ITS behaviour."
            + " The settings apply to GICs created or restored afterwards; a value out of its range is logged"
            + " and replaced by its default.")
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
            description = "Per ITS, \"skip\" or \"stall\"; the last entry applies to every further ITS. Entries"
                + " that do not parse are left out and logged.")
        String[] error_policy() default {"skip"};
    }

    private static final Logger LOG = System.getLogger("gic.its");

    private volatile ItsOptions options;

    /** A provider with {@link ItsOptions#DEFAULTS}, as Declarative Services makes it. */
    public ItsGicProvider() {
        this(ItsOptions.DEFAULTS);
    }

    /** A provider whose GICs start with {@code options}. */
    public ItsGicProvider(ItsOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Activation and every configuration change: GICs created or restored afterwards use the new options. */
    @Activate
    @Modified
    void configure(Config config) {
        options = optionsOf(config);
    }

    /**
     * {@link ItsOptions} from a configuration. IMPDEF: bad input does not keep the service from registering:
     * a value out of its range is logged and replaced by its default ({@link ItsOptions#DEFAULTS}); an
     * {@code error.policy} entry other than {@code skip} or {@code stall} is logged and left out (the entries
     * after it move up one ITS), and with none left every ITS skips.
     */
    public static ItsOptions optionsOf(Config c) {
        ItsOptions d = ItsOptions.DEFAULTS;
        return new ItsOptions(
            valid("its.count", c.its_count(), ItsOptions::validItsCount, d.itsCount()),
            valid("its.base", c.its_base(), ItsOptions::validItsBase, d.itsBase()),
            valid("its.stride", c.its_stride(), ItsOptions::validItsStride, d.itsStride()),
            valid("device.id.bits", c.device_id_bits(), ItsOptions::validDeviceIdBits, d.deviceIdBits()),
            valid("event.id.bits", c.event_id_bits(), ItsOptions::validEventIdBits, d.eventIdBits()),
            c.pta(),
            valid("translation.cache.size", c.translation_cache_size(), ItsOptions::validTranslationCacheSize,
                d.translationCacheSize()),
            errorPolicies(c.error_policy(), d.errorPolicies()));
    }

    /** {@code value} if it is valid, else (logged) {@code fallback}. */
    private static <T> T valid(String property, T value, Predicate<T> isValid, T fallback) {
        if (isValid.test(value)) {
            return value;
        }
        LOG.log(Level.WARNING, "ITS configuration {0} = {1} is out of range: using the default {2}", property,
            String.valueOf(value), String.valueOf(fallback));
        return fallback;
    }

    /** The entries that parse ({@link ErrorPolicy#parse}), or {@code fallback} if none does. */
    private static List<ErrorPolicy> errorPolicies(String[] entries, List<ErrorPolicy> fallback) {
        List<ErrorPolicy> policies = new ArrayList<>();
        for (String text : entries == null ? new String[0] : entries) {
            if (text == null || text.isBlank()) {
                continue;
            }
            try {
                policies.add(ErrorPolicy.parse(text));
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "ITS error.policy entry ''{0}'' left out: {1}", text, e.getMessage());
            }
        }
        return policies.isEmpty() ? fallback : policies;
    }

    /** The options GICs created or restored from now on start with. */
    public ItsOptions options() {
        return options;
    }

    @Override
    public String lpiMode() {
        return LPI_ITS;
    }

    @Override
    public Gic create(GicConfig config, GicHost host) {
        ItsOptions o = options;
        return GicCore.create(withItses(config, o), host, core -> new ItsExtension(core, o));
    }

    @Override
    public Gic restore(GicSnapshot snapshot, GicHost host) {
        ItsOptions o = options;
        GicConfig config = withItses(snapshot.config(), o);
        GicSnapshot s = config == snapshot.config() ? snapshot
            : new GicSnapshot(snapshot.formatVersion(), snapshot.lpiMode(), config, snapshot.distributor(),
                snapshot.redistributors(), snapshot.itses());
        return GicCore.restore(s, host, core -> new ItsExtension(core, o));
    }

    /** {@code config}, or, if it names no ITS, {@code config} with the ITSes of {@code options}. */
    private static GicConfig withItses(GicConfig config, ItsOptions options) {
        return config.itses().isEmpty() && options.itsCount() > 0 ? config.withItses(options.itsConfigs()) : config;
    }
}
