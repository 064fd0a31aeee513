package gic.host.internal;

import gic.host.HostStats;
import java.util.List;
import java.util.Locale;

/**
 * Live figures as one line each, with rates over the interval since the previous line: the provider, MSIs
 * per second, interrupts taken per second by each vCPU, swaps so far. Times come from
 * {@link HostStats#uptimeMillis()}, so a rebuilt machine (uptime going back) restarts the rates.
 */
final class Figures {

    private HostStats last;

    /** The line for {@code now}; the first one has rates since the machine started. */
    String line(HostStats now) {
        HostStats before = last == null || now.uptimeMillis() < last.uptimeMillis()
            || now.takenPerCpu().size() != last.takenPerCpu().size() ? null : last;
        last = now;
        long millis = now.uptimeMillis() - (before == null ? 0 : before.uptimeMillis());
        double seconds = Math.max(millis, 1) / 1000.0;
        long msis = now.msis() - (before == null ? 0 : before.msis());
        StringBuilder taken = new StringBuilder();
        List<Long> cpus = now.takenPerCpu();
        for (int c = 0; c < cpus.size(); c++) {
            long n = cpus.get(c) - (before == null ? 0 : before.takenPerCpu().get(c));
            taken.append(c == 0 ? "" : " ").append(Math.round(n / seconds));
        }
        return String.format(Locale.ROOT, "t=%.1fs provider=%s msi/s=%d taken/s per cpu=[%s] taken=%d swaps=%d",
            now.uptimeMillis() / 1000.0, now.lpiMode(), Math.round(msis / seconds), taken, now.taken(), now.swaps());
    }
}
