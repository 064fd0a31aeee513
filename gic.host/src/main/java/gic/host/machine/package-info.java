/**
 * The reference machine itself, in plain Java: guest RAM, vCPU threads, MSI-X devices, a timer and a wired
 * SPI device, the guest's GIC driver (Linux-like, for an ITS or for DirectLPI), the interrupt ledger, and
 * live swap of the GIC provider. The OSGi layer ({@code gic.host.internal}) drives a {@link
 * gic.host.machine.Machine}; this package imports nothing from OSGi.
 */
package gic.host.machine;
