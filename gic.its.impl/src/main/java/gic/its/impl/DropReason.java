package gic.its.impl;

/**
 * Why an MSI (a GITS_TRANSLATER write) set no LPI pending. Each has a counter
 * {@code its<i>.msi.dropped.<name>}. A dropped MSI is silent to the device (GITS_TYPER.UMSI = 0) and is
 * not a command error.
 */
public enum DropReason {
    /** GITS_CTLR.Enabled = 0. */
    DISABLED("disabled"),
    /** DeviceID beyond Devbits or the device table, level-1 descriptor invalid, or device not mapped. */
    DEVICE("device"),
    /** EventID beyond the device's ITT, or event not mapped. */
    EVENT("event"),
    /** The event's collection is outside the collection table or not mapped. */
    COLLECTION("collection"),
    /** The target redistributor has GICR_CTLR.EnableLPIs = 0 (or the LPI is beyond its PROPBASER.IDbits). */
    LPIS_DISABLED("lpisDisabled"),
    /** A table access left guest RAM. */
    MEMORY("memory"),
    /** The write was neither 2 nor 4 bytes. */
    SIZE("size");

    private final String counterName;

    DropReason(String counterName) {
        this.counterName = counterName;
    }

    /** The counter suffix and the name in logs and JFR events. */
    public String counterName() {
        return counterName;
    }
}
