package gic.host.internal;

import gic.api.Gic;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.api.GicSnapshot.RedistributorState;
import gic.api.Longs;
import gic.host.HostStats;
import gic.host.ReferenceHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The Felix Gogo commands of scope {@code gic}: plain public methods of a service with the
 * {@code osgi.command.*} properties, each returning the text the shell prints. Failures are exceptions
 * with a one-line message (the shell prints it and the command's status is an error).
 */
@Component(service = GicCommands.class, property = {
    "osgi.command.scope=gic",
    "osgi.command.function=status",
    "osgi.command.function=lpis",
    "osgi.command.function=its",
    "osgi.command.function=swap",
    "osgi.command.function=snapshot",
    "osgi.command.function=stats",
})
public final class GicCommands {

    /** How long {@code gic:swap} waits for the host to run on the new provider. */
    static final long SWAP_TIMEOUT_MILLIS = 10_000;
    /** Pending LPIs listed per CPU by {@code gic:lpis} (the count is always complete). */
    static final int LPIS_LISTED = 32;

    private final ReferenceHost host;
    private final ProviderSwap swap;
    private final BundleContext context;

    @Activate
    public GicCommands(@Reference ReferenceHost host, @Reference ConfigurationAdmin configurationAdmin,
                       BundleContext context) {
        this.host = host;
        this.swap = new ProviderSwap(configurationAdmin, host);
        this.context = context;
    }

    /** gic:status: the bound provider (and its bundle), vCPUs, rates, swaps. */
    public String status() {
        HostStats s = host.stats();
        StringBuilder b = new StringBuilder();
        row(b, "provider", s.lpiMode() + providerBundle(s.lpiMode()));
        row(b, "vCPUs", String.valueOf(s.cpus()));
        row(b, "uptime", String.format(Locale.ROOT, "%.1f s", s.uptimeMillis() / 1000.0));
        row(b, "MSIs", s.msis() + String.format(Locale.ROOT, " (%.0f/s)", s.msisPerSecond()));
        StringBuilder taken = new StringBuilder();
        double seconds = Math.max(s.uptimeMillis(), 1) / 1000.0;
        for (int c = 0; c < s.takenPerCpu().size(); c++) {
            long n = s.takenPerCpu().get(c);
            taken.append(String.format(Locale.ROOT, "%scpu%d %d (%.0f/s)", c == 0 ? "" : ", ", c, n, n / seconds));
        }
        row(b, "taken", s.taken() + (taken.length() == 0 ? "" : ": " + taken));
        row(b, "swaps", s.swaps() + " (paused " + s.pausedMillis() + " ms in all)");
        return b.toString();
    }

    /** gic:lpis: per redistributor, whether LPIs are enabled, its LPI tables and its pending LPIs. */
    public String lpis() {
        GicSnapshot s = host.snapshot().orElseThrow(() -> new IllegalStateException("no GIC provider is bound"));
        StringBuilder b = new StringBuilder();
        b.append("provider ").append(s.lpiMode()).append(", LPI ID bits ").append(s.config().lpiIdBits())
            .append('\n');
        for (int cpu = 0; cpu < s.redistributors().size(); cpu++) {
            RedistributorState r = s.redistributors().get(cpu);
            Longs pending = r.pendingLpis();
            b.append(String.format(Locale.ROOT, "cpu%d EnableLPIs=%d PROPBASER=0x%x PENDBASER=0x%x pending=%d",
                cpu, r.ctlr() & 1, r.propbaser(), r.pendbaser(), pending.size()));
            for (int i = 0; i < Math.min(pending.size(), LPIS_LISTED); i++) {
                b.append(i == 0 ? " [" : " ").append(pending.get(i));
            }
            b.append(pending.size() == 0 ? "" : pending.size() > LPIS_LISTED ? " ...]" : "]").append('\n');
        }
        return b.toString();
    }

    /** gic:its: the LPI back end's dump (for an ITS: registers, devices, events, collections, counters). */
    public String its() {
        Gic gic = host.gic().orElseThrow(() -> new IllegalStateException("no GIC provider is bound"));
        String dump = gic.diagnostics();
        String head = GicProvider.LPI_ITS.equals(gic.lpiMode()) ? ""
            : "provider " + gic.lpiMode() + " has no ITS in use (its registers are carried in snapshots)\n";
        return head + (dump.isEmpty() ? "(no diagnostics)\n" : dump.endsWith("\n") ? dump : dump + "\n");
    }

    /** gic:swap its|directlpi: through Config Admin; waits until the host runs on it. */
    public String swap(String mode) throws IOException, InterruptedException {
        return "swapped " + swap.swapTo(ProviderSwap.checkMode(mode), SWAP_TIMEOUT_MILLIS);
    }

    /** gic:snapshot save FILE | load FILE: the running GIC's snapshot in its byte encoding. */
    public String snapshot(String action, String file) throws IOException {
        Path path = Path.of(file);
        switch (action) {
            case "save": {
                GicSnapshot s = host.snapshot()
                    .orElseThrow(() -> new IllegalStateException("no GIC provider is bound"));
                byte[] bytes = s.toBytes();
                Files.write(path, bytes);
                return "saved the " + s.lpiMode() + " GIC's snapshot to " + path + " (" + bytes.length + " bytes, "
                    + pendingLpis(s) + " pending LPIs)";
            }
            case "load": {
                GicSnapshot s = GicSnapshot.fromBytes(Files.readAllBytes(path));
                host.load(s);
                return "loaded " + path + " (taken by " + s.lpiMode() + ", " + pendingLpis(s)
                    + " pending LPIs) into the " + host.lpiMode() + " GIC";
            }
            default:
                throw new IllegalArgumentException("usage: gic:snapshot save|load FILE");
        }
    }

    /** gic:stats: the running GIC's counters, by name. */
    public String stats() {
        Gic gic = host.gic().orElseThrow(() -> new IllegalStateException("no GIC provider is bound"));
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Long> e : new TreeMap<>(gic.counters()).entrySet()) {
            b.append(e.getKey()).append(" = ").append(e.getValue()).append('\n');
        }
        return b.toString();
    }

    private static long pendingLpis(GicSnapshot s) {
        return s.redistributors().stream().mapToLong(r -> r.pendingLpis().size()).sum();
    }

    private static void row(StringBuilder b, String name, String value) {
        b.append(String.format(Locale.ROOT, "%-9s %s%n", name, value));
    }

    /** " (bundle version)" of the provider registered with {@code gic.lpi=mode}, or "". */
    private String providerBundle(String mode) {
        try {
            var refs = context.getServiceReferences(GicProvider.class, ProviderSwap.filterFor(mode));
            for (ServiceReference<GicProvider> ref : refs) {
                Bundle b = ref.getBundle();
                if (b != null) {
                    return " (" + b.getSymbolicName() + " " + b.getVersion() + ")";
                }
            }
        } catch (InvalidSyntaxException | IllegalStateException e) {
            // mode is not a filter value we made, or the context is gone: no bundle to name
        }
        return "";
    }
}
