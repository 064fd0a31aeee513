package gic.its.impl;

import gic.api.GicProvider;
import gic.api.GicSnapshot.ItsState;
import gic.api.ItsConfig;
import gic.api.MmioRegion;
import gic.core.Counters;
import gic.core.GicCore;
import gic.core.RateLimitedLog;
import gic.core.GicExtension;
import gic.core.redistributor.Redistributor;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The LPI back end of an ITS-backed GIC: every ITS of the configuration ({@link GicCore#config()}
 * {@code .itses()}), each with its own 128 KiB region ("ITS0", "ITS1"...), lock, command queue and
 * translation cache. MSIs are routed by doorbell address (each ITS's GITS_TRANSLATER).
 */
public final class ItsExtension implements GicExtension {

    private static final Logger LOG = System.getLogger("gic.its");

    /** Up to this many ITSes, {@link #msi} finds the doorbell by a scan (no boxing, no hashing on the MSI path). */
    private static final int SCAN_LIMIT = 8;

    private final Its[] itses;
    /** GITS_TRANSLATER address of each ITS, by index. */
    private final long[] doorbells;
    private final Map<Long, Its> byDoorbell = new HashMap<>();
    private final Counters counters = new Counters();
    private final List<MmioRegion> regions;

    public ItsExtension(GicCore core, ItsOptions options) {
        List<ItsConfig> configs = core.config().itses();
        RateLimitedLog dropLog = new RateLimitedLog("gic.its.msi");
        itses = new Its[configs.size()];
        doorbells = new long[itses.length];
        List<MmioRegion> r = new ArrayList<>();
        for (int i = 0; i < itses.length; i++) {
            itses[i] = new Its(core, i, options.errorPolicy(i), options.translationCacheSize(), counters, dropLog);
            doorbells[i] = configs.get(i).translaterAddress();
            byDoorbell.put(doorbells[i], itses[i]);
            r.add(itses[i].region());
        }
        regions = List.copyOf(r);
    }

    @Override
    public String lpiMode() {
        return GicProvider.LPI_ITS;
    }

    /** ITS {@code i} (for tests). */
    public Its its(int i) {
        return itses[i];
    }

    /** The number of ITSes. */
    public int itsCount() {
        return itses.length;
    }

    @Override
    public List<MmioRegion> regions() {
        return regions;
    }

    @Override
    public boolean msi(long address, int size, long data, int deviceId) {
        Its its = null;
        if (itses.length <= SCAN_LIMIT) {
            for (int i = 0; i < doorbells.length; i++) {
                if (doorbells[i] == address) {
                    its = itses[i];
                    break;
                }
            }
        } else {
            its = byDoorbell.get(address);
        }
        if (its == null) {
            return false;
        }
        its.translate(size, data, deviceId);
        return true;
    }

    @Override
    public void lpisDisabled(Redistributor rd) {
        for (Its its : itses) {
            its.lpisDisabled();
        }
    }

    @Override
    public List<ItsState> saveItses() {
        List<ItsState> states = new ArrayList<>();
        for (Its its : itses) {
            states.add(its.save());
        }
        return states;
    }

    @Override
    public void restoreItses(List<ItsState> states) {
        if (states.size() != itses.length) {
            LOG.log(Level.WARNING, "snapshot holds {0} ITS states for {1} ITSes: restoring the first {2},"
                + " the others stay at reset", states.size(), itses.length, Math.min(states.size(), itses.length));
        }
        for (int i = 0; i < itses.length && i < states.size(); i++) {
            itses[i].restore(states.get(i));
        }
    }

    @Override
    public Map<String, Long> counters() {
        return counters.snapshot();
    }

    @Override
    public String diagnostics() {
        DiagnosticLines out = new DiagnosticLines();
        for (Its its : itses) {
            its.diagnostics(out);
        }
        return out.text();
    }
}
