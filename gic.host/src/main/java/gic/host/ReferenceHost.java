package gic.host;

import gic.api.Gic;
import gic.api.GicSnapshot;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The running reference machine, registered as a service by the gic.host bundle. Its configuration
 * (PID {@value #PID}) is Metatype-described; its {@code lpi.target} property is the filter on
 * {@code gic.lpi} that picks the GIC provider, and changing it swaps the provider live.
 */
@ProviderType
public interface ReferenceHost {

    /** Configuration PID of the host component. */
    String PID = "gic.host";

    /** The bound provider's {@code gic.lpi} ({@code its} or {@code directlpi}), or {@code none} while paused without one. */
    String lpiMode();

    /** Live figures. */
    HostStats stats();

    /**
     * Stops the devices (every MSI already written has returned), lets the vCPUs take everything
     * pending, checks the interrupt ledger, then restarts the devices. Waits at most {@code timeoutMillis}
     * for the vCPUs to drain.
     */
    Verdict settle(long timeoutMillis);

    /** Pauses the machine, snapshots the GIC, resumes. Empty while no provider is bound. */
    Optional<GicSnapshot> snapshot();

    /**
     * Pauses the machine, restores {@code snapshot} into the bound provider (replacing the running GIC),
     * resumes. Guest RAM is not part of a GIC snapshot: the tables it names must still be where the guest
     * left them.
     *
     * @throws IllegalStateException if no provider is bound
     */
    void load(GicSnapshot snapshot);

    /** The running GIC, for diagnostics (the Gogo commands); empty while no provider is bound. */
    Optional<Gic> gic();
}
