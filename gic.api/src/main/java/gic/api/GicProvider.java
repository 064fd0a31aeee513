package gic.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An implementation of the GIC, registered as an OSGi service with the service property
 * {@value #LPI_PROPERTY} set to {@value #LPI_ITS} or {@value #LPI_DIRECT}. Creates one {@link Gic} per
 * emulated machine.
 */
@ProviderType
public interface GicProvider {

    /** Service property naming how the provider raises LPIs. */
    String LPI_PROPERTY = "gic.lpi";
    /** LPIs come from MSIs through Interrupt Translation Services. */
    String LPI_ITS = "its";
    /** No ITS; LPIs are set through each redistributor's GICR_SETLPIR. */
    String LPI_DIRECT = "directlpi";

    /** {@link #LPI_ITS} or {@link #LPI_DIRECT}. */
    String lpiMode();

    /** A new GIC in its reset state. */
    Gic create(GicConfig config, GicHost host);

    /**
     * A GIC in the state of {@code snapshot}, which may come from either provider. The host must give
     * the same guest memory the snapshot's GIC used (LPI and ITS tables live there).
     *
     * @throws IllegalArgumentException if the snapshot's format version is not supported
     */
    Gic restore(GicSnapshot snapshot, GicHost host);
}
