/**
 * The DirectLPI-only GIC provider ({@code gic.lpi=directlpi}): a GICv3 with LPIs and no ITS, whose LPIs
 * are set and cleared through each redistributor's {@code GICR_SETLPIR} and {@code GICR_CLRLPIR} and
 * whose cached LPI configuration is refreshed through {@code GICR_INVLPIR} / {@code GICR_INVALLR}
 * (IHI 0069, {@code GICR_TYPER.DirectLPI} = 1). It embeds the architectural core (gic.core) and shares
 * no code with the ITS-backed provider.
 *
 * <p>{@link gic.directlpi.impl.DirectLpiGicProvider} is the Declarative Services component,
 * {@link gic.directlpi.impl.DirectLpiExtension} the registers and MSI doorbells it adds to the core,
 * {@link gic.directlpi.impl.DirectLpiControls} the host-side {@link gic.api.DirectLpi} (retargeting,
 * isolation), {@link gic.directlpi.impl.IsolationPolicy} the optional per-DeviceID policy.
 */
package gic.directlpi.impl;
