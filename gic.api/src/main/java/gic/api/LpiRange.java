package gic.api;

/**
 * The LPIs {@code first..last} (inclusive) that the device with requester DeviceID {@code deviceId} may
 * set under {@link DirectLpi#isolate DirectLPI isolation}.
 */
public record LpiRange(int deviceId, int first, int last) {

    public LpiRange {
        if (first < 8192 || last < first) {
            throw new IllegalArgumentException("LPI range must be 8192 <= first <= last, got " + first + ".." + last);
        }
    }

    /** Whether this range lets {@code device} set LPI {@code intid}. */
    public boolean allows(int device, int intid) {
        return device == deviceId && intid >= first && intid <= last;
    }

    /**
     * Parses {@code "deviceId:first-last"} (decimal or 0x-prefixed hexadecimal; {@code "deviceId:intid"}
     * for one LPI), the form used in configuration.
     *
     * @throws IllegalArgumentException if {@code text} is not of that form
     */
    public static LpiRange parse(String text) {
        String[] dev = text.trim().split(":", 2);
        if (dev.length != 2) {
            throw new IllegalArgumentException("expected deviceId:first-last, got '" + text + "'");
        }
        String[] ids = dev[1].split("-", 2);
        try {
            int first = Integer.decode(ids[0].trim());
            return new LpiRange(Integer.decode(dev[0].trim()), first,
                ids.length == 2 ? Integer.decode(ids[1].trim()) : first);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected deviceId:first-last, got '" + text + "'", e);
        }
    }
}
