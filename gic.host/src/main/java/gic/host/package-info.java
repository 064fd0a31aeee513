/**
 * The reference host emulator: a small QEMU-virt-like machine (guest RAM, vCPU threads, MSI-capable
 * devices, a timer) built around whichever {@link gic.api.GicProvider} is bound, and able to swap the
 * provider live. {@link gic.host.ReferenceHost} is its service; the Gogo commands and the integration
 * tests use it.
 */
@Export
@Version("1.0.0")
package gic.host;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
