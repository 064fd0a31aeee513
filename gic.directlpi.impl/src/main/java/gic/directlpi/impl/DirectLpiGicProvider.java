package gic.directlpi.impl;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.core.GicCore;
import java.util.Objects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The DirectLPI-only GIC provider: a GICv3 with LPIs and no ITS, whose redistributors advertise
 * {@code GICR_TYPER.DirectLPI} and implement {@code GICR_SETLPIR}, {@code GICR_CLRLPIR},
 * {@code GICR_INVLPIR}, {@code GICR_INVALLR} and {@code GICR_SYNCR}. Registered by Declarative Services
 * with {@code gic.lpi=directlpi}; its configuration (PID {@value #PID}) gives the isolation policy of the
 * GICs it creates or restores afterwards. Plain Java code uses the constructors.
 */
@Designate(ocd = DirectLpiGicProvider.Config.class)
@Component(configurationPid = DirectLpiGicProvider.PID,
    property = GicProvider.LPI_PROPERTY + "=" + GicProvider.LPI_DIRECT, service = GicProvider.class)
public final class DirectLpiGicProvider implements GicProvider {

    /** The configuration PID. */
    public static final String PID = "gic.lpi.directlpi";

    /** The component's configuration, described by Metatype. */
    @ObjectClassDefinition(id = PID, name = "GIC DirectLPI provider",
        description = "A GICv3 with LPIs and no ITS: MSIs are writes of the INTID to a redistributor's GICR_SETLPIR."
            + " The settings apply to GICs created or restored afterwards.")
    public @interface Config {

        @AttributeDefinition(name = "Isolation",
            description = "Check each MSI's requester DeviceID against the allowed LPI ranges, and drop (count,"
                + " log) the MSIs they do not allow. Off is the architecture: any device may set any LPI.")
        boolean isolation_enabled() default false;

        @AttributeDefinition(name = "Allowed LPI ranges",
            description = "With isolation on, the LPIs each requester DeviceID may set, one entry per range:"
                + " deviceId:first-last (decimal or 0x hexadecimal; deviceId:intid for one LPI). Entries that"
                + " do not parse are left out and logged.")
        String[] isolation_allowed() default {};
    }

    private volatile DirectLpiOptions options;

    /** A provider with {@link DirectLpiOptions#DEFAULTS} (isolation off), as Declarative Services makes it. */
    public DirectLpiGicProvider() {
        this(DirectLpiOptions.DEFAULTS);
    }

    /** A provider whose GICs start with {@code options}. */
    public DirectLpiGicProvider(DirectLpiOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    @Activate
    @Modified
    void configure(Config config) {
        options = DirectLpiOptions.fromConfiguration(config.isolation_enabled(), config.isolation_allowed());
    }

    /** The options GICs created from now on start with. */
    public DirectLpiOptions options() {
        return options;
    }

    @Override
    public String lpiMode() {
        return LPI_DIRECT;
    }

    /**
     * A new GIC (a {@link GicCore}) in its reset state. ITSes listed in {@code config} are carried (so a
     * snapshot can go back to an ITS-backed provider) but get no frame: there is no ITS here.
     */
    @Override
    public Gic create(GicConfig config, GicHost host) {
        DirectLpiOptions o = options;
        return GicCore.create(config, host, core -> new DirectLpiExtension(core, o));
    }

    /**
     * A GIC in the state of {@code snapshot}, taken of either provider. Pending LPIs return to their
     * redistributors; ITS state in the snapshot is carried unchanged. IMPDEF: the isolation policy is the host's,
     * not guest state: it comes from this provider's options, not from the snapshot.
     */
    @Override
    public Gic restore(GicSnapshot snapshot, GicHost host) {
        DirectLpiOptions o = options;
        return GicCore.restore(snapshot, host, core -> new DirectLpiExtension(core, o));
    }
}
