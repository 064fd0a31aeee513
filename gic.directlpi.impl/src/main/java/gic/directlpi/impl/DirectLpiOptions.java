package gic.directlpi.impl;

import gic.api.LpiRange;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link DirectLpiGicProvider} gives every GIC it creates or restores: whether isolation is on,
 * and the LPI ranges each requester DeviceID may set when it is. The architecture has no isolation, so
 * {@link #DEFAULTS} has it off.
 *
 * @param isolation whether MSIs are checked against {@code allowed} ({@link gic.api.DirectLpi#isolate})
 * @param allowed   per DeviceID, the LPIs it may set; ignored while {@code isolation} is off
 */
public record DirectLpiOptions(boolean isolation, List<LpiRange> allowed) {

    /** Isolation off, no ranges: the architecture. */
    public static final DirectLpiOptions DEFAULTS = new DirectLpiOptions(false, List.of());

    private static final Logger LOG = System.getLogger("gic.directlpi");

    public DirectLpiOptions {
        allowed = List.copyOf(allowed);
    }

    /** Isolation on with {@code allowed}. */
    public static DirectLpiOptions isolated(List<LpiRange> allowed) {
        return new DirectLpiOptions(true, allowed);
    }

    /**
     * Options from configuration: ranges in {@link LpiRange#parse} form ({@code "deviceId:first-last"}).
     * IMPDEF: an entry that does not parse is left out and logged: with isolation on, the device it meant is then
     * denied (and its denials are logged), which is the safe side of a typing error.
     */
    public static DirectLpiOptions fromConfiguration(boolean isolation, String[] ranges) {
        List<LpiRange> parsed = new ArrayList<>();
        if (ranges != null) {
            for (String text : ranges) {
                if (text == null || text.isBlank()) {
                    continue;
                }
                try {
                    parsed.add(LpiRange.parse(text));
                } catch (IllegalArgumentException e) {
                    LOG.log(Level.WARNING, "DirectLPI isolation range ''{0}'' left out: {1}", text, e.getMessage());
                }
            }
        }
        return new DirectLpiOptions(isolation, parsed);
    }
}
