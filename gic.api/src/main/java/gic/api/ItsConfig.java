package gic.api;

/**
 * One Interrupt Translation Service: where its frames are and the limits it advertises in GITS_TYPER.
 *
 * @param base         guest physical base of its 128 KiB (control frame, then translation frame)
 * @param deviceIdBits DeviceID width (GITS_TYPER.Devbits + 1), 1..20
 * @param eventIdBits  EventID width (GITS_TYPER.ID_bits + 1), 1..16
 * @param pta          GITS_TYPER.PTA: whether commands name a redistributor by physical address
 *                     ({@code true}) or by processor number ({@code false})
 */
public record ItsConfig(long base, int deviceIdBits, int eventIdBits, boolean pta) {

    /** Bytes of an ITS: control frame and translation frame. */
    public static final long SIZE = 0x2_0000L;
    /** Offset of GITS_TRANSLATER from the ITS base. */
    public static final long TRANSLATER_OFFSET = 0x1_0040L;

    public ItsConfig {
        if (deviceIdBits < 1 || deviceIdBits > 20) {
            throw new IllegalArgumentException("deviceIdBits must be 1..20");
        }
        if (eventIdBits < 1 || eventIdBits > 16) {
            throw new IllegalArgumentException("eventIdBits must be 1..16");
        }
    }

    /** The MSI doorbell address devices write EventIDs to. */
    public long translaterAddress() {
        return base + TRANSLATER_OFFSET;
    }
}
