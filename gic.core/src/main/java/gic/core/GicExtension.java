package gic.core;

import gic.api.DirectLpi;
import gic.api.GicSnapshot.ItsState;
import gic.api.MmioRegion;
import gic.core.reg.RegisterTable;
import gic.core.redistributor.Redistributor;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an LPI back end (the ITS-backed or the DirectLPI-only implementation) adds to the architectural
 * core: its own frames, RD_base registers, GICR_TYPER/GICR_CTLR capability bits, MSI doorbells, and state.
 * The core knows nothing else about it.
 */
public interface GicExtension {

    /** A core with no LPI back end: LPIs exist, but only the core's own entry points raise them. */
    GicExtension NONE = () -> "none";

    /** {@code its}, {@code directlpi} or {@code none}. */
    String lpiMode();

    /** Extra MMIO regions (ITS frames). */
    default List<MmioRegion> regions() {
        return List.of();
    }

    /** Bits ORed into every GICR_TYPER (DirectLPI). */
    default long redistributorTyperBits() {
        return 0;
    }

    /** Read-only bits ORed into every GICR_CTLR (IR). */
    default int redistributorCtlrBits() {
        return 0;
    }

    /** RD_base registers this back end implements (GICR_SETLPIR...), or {@code null}. */
    default RegisterTable<Redistributor> redistributorRegisters() {
        return null;
    }

    /** An MSI write at {@code address}; returns whether the address is one of this back end's doorbells. */
    default boolean msi(long address, int size, long data, int deviceId) {
        return false;
    }

    /** A redistributor's GICR_CTLR.EnableLPIs went from 1 to 0 (called without any lock held). */
    default void lpisDisabled(Redistributor rd) {
    }

    /**
     * The ITS states for a snapshot, after flushing anything cached to guest memory; {@code null} if this
     * back end has no ITS, in which case the core carries the states it was restored with.
     */
    default List<ItsState> saveItses() {
        return null;
    }

    /** Restores ITS states from a snapshot (called after the core's own state is restored). */
    default void restoreItses(List<ItsState> states) {
    }

    /** Counters of this back end, merged into {@link gic.api.Gic#counters()}. */
    default Map<String, Long> counters() {
        return Map.of();
    }

    /** The DirectLPI controls, where this back end is DirectLPI ({@link gic.api.Gic#directLpi()}). */
    default Optional<DirectLpi> directLpi() {
        return Optional.empty();
    }

    /** A dump of this back end's state ({@link gic.api.Gic#diagnostics()}). */
    default String diagnostics() {
        return "";
    }

    /** The GIC is closing. */
    default void close() {
    }
}
