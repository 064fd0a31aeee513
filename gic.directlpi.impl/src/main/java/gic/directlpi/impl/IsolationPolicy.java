package gic.directlpi.impl;

import gic.api.LpiRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which requester DeviceIDs may set which LPIs through a {@code GICR_SETLPIR} doorbell: a host-side
 * policy, not part of the architecture (DirectLPI carries no DeviceID, so without it any device can set
 * any LPI on any redistributor).
 *
 * <p>Immutable, so an MSI reads it without a lock: the DeviceIDs are a sorted array, and each DeviceID's
 * ranges are merged (overlapping and adjacent ranges joined) and sorted. A check is two binary searches
 * and allocates nothing.
 */
public final class IsolationPolicy {

    private final int[] devices;
    /** Per entry of {@link #devices}: the first INTIDs of its merged ranges, ascending. */
    private final int[][] firsts;
    /** Per entry of {@link #devices}: the last INTIDs of its merged ranges, matching {@link #firsts}. */
    private final int[][] lasts;
    private final List<LpiRange> ranges;

    private IsolationPolicy(int[] devices, int[][] firsts, int[][] lasts, List<LpiRange> ranges) {
        this.devices = devices;
        this.firsts = firsts;
        this.lasts = lasts;
        this.ranges = ranges;
    }

    /** The policy that lets each range's DeviceID set that range's LPIs, and nothing else. */
    public static IsolationPolicy of(Collection<LpiRange> allowed) {
        Map<Integer, List<LpiRange>> byDevice = new TreeMap<>();
        for (LpiRange r : allowed) {
            byDevice.computeIfAbsent(r.deviceId(), k -> new ArrayList<>()).add(r);
        }
        int n = byDevice.size();
        int[] devices = new int[n];
        int[][] firsts = new int[n][];
        int[][] lasts = new int[n][];
        List<LpiRange> merged = new ArrayList<>();
        int i = 0;
        for (Map.Entry<Integer, List<LpiRange>> e : byDevice.entrySet()) {
            List<LpiRange> list = new ArrayList<>(e.getValue());
            list.sort((a, b) -> Integer.compare(a.first(), b.first()));
            List<int[]> spans = new ArrayList<>();
            for (LpiRange r : list) {
                int[] last = spans.isEmpty() ? null : spans.get(spans.size() - 1);
                if (last != null && (long) r.first() <= (long) last[1] + 1) {
                    last[1] = Math.max(last[1], r.last());
                } else {
                    spans.add(new int[] {r.first(), r.last()});
                }
            }
            devices[i] = e.getKey();
            firsts[i] = spans.stream().mapToInt(s -> s[0]).toArray();
            lasts[i] = spans.stream().mapToInt(s -> s[1]).toArray();
            for (int[] s : spans) {
                merged.add(new LpiRange(e.getKey(), s[0], s[1]));
            }
            i++;
        }
        return new IsolationPolicy(devices, firsts, lasts, List.copyOf(merged));
    }

    /** Whether the device with requester DeviceID {@code deviceId} may set LPI {@code intid}. */
    public boolean allows(int deviceId, int intid) {
        int d = Arrays.binarySearch(devices, deviceId);
        if (d < 0) {
            return false;
        }
        int[] f = firsts[d];
        // The last range starting at or below intid is the only one that can hold it.
        int k = Arrays.binarySearch(f, intid);
        if (k < 0) {
            k = -k - 2;
        }
        return k >= 0 && intid <= lasts[d][k];
    }

    /** The allowed ranges, merged per DeviceID, by DeviceID then first INTID. */
    public List<LpiRange> ranges() {
        return ranges;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (LpiRange r : ranges) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(r.deviceId()).append(':').append(r.first()).append('-').append(r.last());
        }
        return b.length() == 0 ? "nothing allowed" : b.toString();
    }
}
