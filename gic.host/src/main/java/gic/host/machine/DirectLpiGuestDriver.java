package gic.host.machine;

import gic.api.Gic;
import java.util.List;

/**
 * The LPI side of a guest on a GIC without an ITS whose redistributors implement DirectLPI
 * (GICR_TYPER.DirectLPI = 1): each vector's LPI is unmasked with its configuration byte, then GICR_INVLPIR on
 * the redistributor it targets and a GICR_SYNCR poll (as Linux's {@code direct_lpi_inv}); MSI-X entries are
 * (the target redistributor's GICR_SETLPIR, INTID).
 */
final class DirectLpiGuestDriver extends GuestDriver {

    DirectLpiGuestDriver(Gic gic, GuestRam ram, MachineConfig config, List<MsiDevice> devices) {
        super(gic, ram, config, devices);
    }

    @Override
    protected void initMsi() {
        for (int c = 0; c < config.cpus(); c++) {
            check((read(rdBase(c) + GICR_TYPER, 8) & GICR_TYPER_DIRECT_LPI) != 0, "GICR_TYPER.DirectLPI of CPU " + c);
        }
        for (int d = 0; d < devices.size(); d++) {
            for (int v = 0; v < devices.get(d).vectors(); v++) {
                int lpi = config.lpi(d, v);
                int rd = config.lpiCpu(lpi);
                lpiConfig(lpi, true);
                write(rdBase(rd) + GICR_INVLPIR, 8, lpi);
                poll(() -> (read(rdBase(rd) + GICR_SYNCR, 4) & 1) == 0, "GICR_SYNCR.Busy of CPU " + rd);
            }
        }
        programMsiX();
    }

    /** The restored redistributors read the property table themselves; only the MSI-X entries change. */
    @Override
    void reattach() {
        programMsiX();
    }

    private void programMsiX() {
        for (int d = 0; d < devices.size(); d++) {
            for (int v = 0; v < devices.get(d).vectors(); v++) {
                int lpi = config.lpi(d, v);
                devices.get(d).program(v, rdBase(config.lpiCpu(lpi)) + GICR_SETLPIR, lpi);
            }
        }
    }
}
