/**
 * The contract of the emulated Arm GICv3 (IHI 0069): what a host emulator, a device model and a test
 * can do with a GIC, whichever way it raises LPIs.
 *
 * <p>A host finds a {@link gic.api.GicProvider} service (service property {@code gic.lpi} is
 * {@code its} or {@code directlpi}), creates one {@link gic.api.Gic} per emulated machine from a
 * {@link gic.api.GicConfig} and a {@link gic.api.GicHost}, maps its {@link gic.api.MmioRegion}s,
 * routes {@code ICC_*_EL1} accesses to {@link gic.api.CpuInterface}, drives wires and MSIs, and can
 * take a {@link gic.api.GicSnapshot} to restore into either provider.
 */
@Export
@Version("1.1.0")
package gic.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
