package gic.host.internal;

import gic.api.Gic;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.host.HostStats;
import gic.host.ReferenceHost;
import gic.host.Verdict;
import gic.host.machine.Machine;
import gic.host.machine.MachineConfig;
import java.io.PrintStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The reference host as a Declarative Services component: one {@link Machine} built from the configuration
 * (PID {@value ReferenceHost#PID}) and run on whichever {@link GicProvider} is bound.
 *
 * <p>Two references pick the provider. {@code lpi} (at most one, dynamic, greedy) is the preferred one; its
 * target is the configuration's {@code lpi.target}, so changing that property makes SCR rebind it in place
 * (this component has a {@link Modified} method: no reactivation) and the machine swaps live.
 * {@code providers} (all of them, dynamic) is the fallback: when the preferred provider goes away (its bundle
 * is stopped or updated) the machine swaps to another one if {@code fallback} is set, and otherwise stays
 * paused holding its snapshot; when a preferred provider comes back, the machine swaps (or restores) into it.
 * Either way nothing pending is lost: {@link Machine#swapTo} and {@link Machine#detach} snapshot the running
 * GIC before closing it.
 *
 * <p>Bind and unbind callbacks run on whichever thread changed the service registry, including the thread
 * that stops or updates a provider's bundle; the swap is done before the callback returns, so the old
 * provider's GIC is closed before its bundle is gone. One lock serialises the callbacks, configuration
 * changes and the {@link ReferenceHost} methods.
 */
@Component(configurationPid = ReferenceHost.PID, service = ReferenceHost.class, immediate = true)
@Designate(ocd = HostComponent.Config.class)
public final class HostComponent implements ReferenceHost {

    /** The host's settings. Property names are the method names with {@code _} read as {@code .}. */
    @ObjectClassDefinition(name = "GIC reference host",
        description = "A small QEMU-virt-like machine (guest RAM, vCPU threads, MSI devices, a timer and an SPI"
            + " device) around the bound GIC provider. Changing lpi.target swaps the provider live; changing a"
            + " setting of the machine's shape (CPUs, RAM, devices, rates, frame bases) stops the machine and"
            + " builds a new one. A shape the machine rejects is logged and the defaults are used.")
    public @interface Config {
        @AttributeDefinition(name = "Provider filter",
            description = "LDAP filter on the GicProvider services, e.g. (gic.lpi=its) or (gic.lpi=directlpi);"
                + " the machine runs on the provider it matches and swaps live when it changes")
        String lpi_target() default "(gic.lpi=its)";

        @AttributeDefinition(name = "Fall back to another provider",
            description = "When no provider matches lpi.target any more (its bundle was stopped or is being"
                + " updated), go on running on any other provider until one matches again; if false, the machine"
                + " pauses, holding its GIC snapshot, until one matches. A machine that has not run yet waits"
                + " for a provider matching lpi.target")
        boolean fallback() default true;

        @AttributeDefinition(name = "Report interval (s)",
            description = "Print live figures (provider, MSIs/s, interrupts taken per CPU) to standard output"
                + " every this many seconds; 0 = never")
        int report_seconds() default 5;

        @AttributeDefinition(name = "vCPUs",
            description = "Number of vCPU threads and redistributors, 1..512 (rebuilds the machine)")
        int cpus() default 4;

        @AttributeDefinition(name = "Guest RAM (MiB)", description = "Guest RAM size, 1..2047 (rebuilds the machine)")
        int ram_mib() default 64;

        @AttributeDefinition(name = "Guest RAM base",
            description = "Guest physical address of RAM, 64 KiB aligned (rebuilds the machine)")
        long ram_base() default 0x4000_0000L;

        @AttributeDefinition(name = "MSI devices",
            description = "Number of MSI-capable devices, each with its own DeviceID and thread (rebuilds the machine)")
        int devices() default 4;

        @AttributeDefinition(name = "Vectors per device",
            description = "MSI-X vectors of each device, one LPI each (rebuilds the machine)")
        int vectors_per_device() default 8;

        @AttributeDefinition(name = "MSI rate per device",
            description = "MSIs per second each device writes, round-robin over its vectors; 0 = as fast as"
                + " possible (rebuilds the machine)")
        int msi_rate_per_device() default 20_000;

        @AttributeDefinition(name = "Timer rate (Hz)",
            description = "EL1 physical timer PPI 30 ticks per second per vCPU; 0 = no timer (rebuilds the machine)")
        int timer_hz() default 100;

        @AttributeDefinition(name = "SPI rate (Hz)",
            description = "Edge-triggered SPI pulses per second, routed round-robin; 0 = no SPI device (rebuilds the"
                + " machine)")
        int spi_rate_hz() default 1000;

        @AttributeDefinition(name = "GICD base",
            description = "Guest physical base of the distributor frame (rebuilds the machine)")
        long gicd_base() default 0x0800_0000L;

        @AttributeDefinition(name = "GICR base",
            description = "Guest physical base of the first redistributor frame, 128 KiB per vCPU (rebuilds the"
                + " machine)")
        long gicr_base() default 0x080A_0000L;

        @AttributeDefinition(name = "ITS base",
            description = "Guest physical base of the ITS frame (rebuilds the machine)")
        long its_base() default 0x0808_0000L;
    }

    private static final Logger LOG = System.getLogger("gic.host");

    private final Function<MachineConfig, Machine> machines;
    private final PrintStream out;
    private final Object lock = new Object();
    /** While the framework shuts down, providers go away one by one: pause rather than swap. */
    private volatile BooleanSupplier frameworkStopping = () -> false;

    // All guarded by lock.
    private Machine machine;
    private MachineConfig shape;
    private boolean fallback = true;
    private int reportSeconds;
    private GicProvider preferred;
    private final List<GicProvider> available = new ArrayList<>();
    private GicProvider running;
    /** The machine has run on a provider: from then on {@code fallback} keeps it running. */
    private boolean started;
    private ScheduledExecutorService reporter;

    /** As Declarative Services makes it. */
    public HostComponent() {
        this(Machine::new, System.out);
    }

    /** With another way to build machines and another figure stream (tests). */
    HostComponent(Function<MachineConfig, Machine> machines, PrintStream out) {
        this.machines = machines;
        this.out = out;
    }

    @Activate
    void activate(Config config, BundleContext context) {
        Bundle framework = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        frameworkStopping = () -> framework.getState() == Bundle.STOPPING;
        synchronized (lock) {
            fallback = config.fallback();
            shape = shapeOf(config);
            machine = build(shape);
            reconcile();
            report(config.report_seconds());
        }
    }

    /** lpi.target is applied by SCR (rebinding {@code lpi}); everything else here. */
    @Modified
    void modified(Config config) {
        synchronized (lock) {
            fallback = config.fallback();
            MachineConfig newShape = shapeOf(config);
            if (!newShape.equals(shape)) {
                LOG.log(Level.INFO, "Machine shape changed: rebuilding the machine ({0})", newShape);
                closeMachine();
                shape = newShape;
                machine = build(shape);
            }
            reconcile();
            report(config.report_seconds());
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            report(0);
            closeMachine();
        }
    }

    @Reference(name = "lpi", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY, target = "(gic.lpi=its)", unbind = "unbindLpi")
    void bindLpi(GicProvider provider) {
        synchronized (lock) {
            preferred = provider;
            reconcile();
        }
    }

    void unbindLpi(GicProvider provider) {
        synchronized (lock) {
            if (preferred == provider) {
                preferred = null;
                reconcile();
            }
        }
    }

    @Reference(name = "providers", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        unbind = "removeProvider")
    void addProvider(GicProvider provider) {
        synchronized (lock) {
            available.add(provider);
            reconcile();
        }
    }

    void removeProvider(GicProvider provider) {
        synchronized (lock) {
            available.removeIf(p -> p == provider);
            reconcile();
        }
    }

    /**
     * Moves the machine onto {@link #choice()}. Called with the lock held after every change; does nothing
     * before activation.
     */
    private void reconcile() {
        if (machine == null) {
            return;
        }
        GicProvider target = choice();
        if (target == running) {
            return;
        }
        String from = running == null ? "none" : running.lpiMode();
        try {
            withHostLoader(() -> {
                if (target == null) {
                    machine.detach();
                } else if (running == null) {
                    machine.attach(target);
                } else {
                    machine.swapTo(target);
                }
            });
            // The machine logs its swaps; attaching and pausing are this component's decisions.
            Level level = running != null && target != null ? Level.DEBUG : Level.INFO;
            running = target;
            started |= target != null;
            LOG.log(level, "GIC provider {0} -> {1}", from, target == null ? "none (paused)" : target.lpiMode());
        } catch (RuntimeException e) {
            // IMPDEF: a provider that fails to create or restore leaves the machine on the GIC it had (Machine
            // keeps it); the next registry or configuration change tries again. If that GIC's provider is going
            // away, the machine pauses instead, holding its snapshot, so no GIC of a stopped bundle runs on.
            LOG.log(Level.ERROR, "GIC provider " + from + " -> " + (target == null ? "none" : target.lpiMode())
                + " failed", e);
            if (running != null && running != preferred && !contains(available, running)) {
                machine.detach();
                running = null;
                LOG.log(Level.WARNING, "GIC provider {0} is going away: paused", from);
            }
        }
    }

    /**
     * The provider the machine should run on: the preferred one; else, with {@code fallback}, the one it runs
     * on while that is still registered, or the first other one; else none (paused, its snapshot held).
     * The fallback applies only once the machine has run (a fresh machine waits for a preferred provider, so a
     * start does not swap away from whichever provider registered first) and not while the framework shuts
     * down (its providers go away one by one).
     */
    private GicProvider choice() {
        if (preferred != null || !fallback || !started || frameworkStopping.getAsBoolean()) {
            return preferred;
        }
        if (running != null && contains(available, running)) {
            return running;
        }
        return available.isEmpty() ? null : available.get(0);
    }

    /**
     * Runs {@code action} with this bundle's class loader as the thread's context class loader, so threads the
     * machine starts (they inherit it) never hold on to a provider bundle's loader, whichever thread called.
     */
    private static void withHostLoader(Runnable action) {
        Thread t = Thread.currentThread();
        ClassLoader saved = t.getContextClassLoader();
        t.setContextClassLoader(HostComponent.class.getClassLoader());
        try {
            action.run();
        } finally {
            t.setContextClassLoader(saved);
        }
    }

    private static boolean contains(List<GicProvider> list, GicProvider p) {
        return list.stream().anyMatch(q -> q == p);
    }

    private Machine build(MachineConfig config) {
        Machine[] built = new Machine[1];
        withHostLoader(() -> built[0] = machines.apply(config));
        return built[0];
    }

    private void closeMachine() {
        if (machine != null) {
            machine.close();
            machine = null;
            running = null;
            started = false;
        }
    }

    /** The machine's shape from the configuration, or the defaults (logged) if the machine rejects it. */
    static MachineConfig shapeOf(Config c) {
        try {
            return new MachineConfig(c.cpus(), c.ram_mib(), c.ram_base(), c.devices(), c.vectors_per_device(),
                c.msi_rate_per_device(), c.timer_hz(), c.spi_rate_hz(), c.gicd_base(), c.gicr_base(), c.its_base());
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "Host configuration rejected ({0}): using the defaults", e.getMessage());
            return MachineConfig.defaults();
        }
    }

    /** (Re)starts the figure printer with a new interval; 0 stops it. */
    private void report(int seconds) {
        int s = Math.max(0, seconds);
        if (s == reportSeconds && (reporter != null) == (s > 0)) {
            return;
        }
        if (reporter != null) {
            reporter.shutdownNow();
            reporter = null;
        }
        reportSeconds = s;
        if (s > 0) {
            reporter = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gic-host-report");
                t.setDaemon(true);
                return t;
            });
            ScheduledExecutorService self = reporter;
            Figures figures = new Figures();
            reporter.scheduleAtFixedRate(() -> {
                HostStats now;
                synchronized (lock) {
                    if (reporter != self || machine == null) {
                        return; // stopped or replaced while this run waited for the lock
                    }
                    now = machine.stats();
                }
                out.println(figures.line(now));
            }, s, s, TimeUnit.SECONDS);
        }
    }

    // ReferenceHost: delegated to the machine under the lock, so a rebuild never runs in between.

    @Override
    public String lpiMode() {
        synchronized (lock) {
            return machine == null ? "none" : machine.lpiMode();
        }
    }

    @Override
    public HostStats stats() {
        synchronized (lock) {
            if (machine == null) {
                return new HostStats("none", 0, 0, 0, 0, List.of(), 0, 0);
            }
            return machine.stats();
        }
    }

    @Override
    public Verdict settle(long timeoutMillis) {
        synchronized (lock) {
            if (machine == null) {
                return new Verdict(false, 0, 0, 0, 0, 0, List.of("the host is not active"));
            }
            return machine.settle(timeoutMillis);
        }
    }

    @Override
    public Optional<GicSnapshot> snapshot() {
        synchronized (lock) {
            return machine == null ? Optional.empty() : machine.snapshot();
        }
    }

    @Override
    public void load(GicSnapshot snapshot) {
        synchronized (lock) {
            if (machine == null || running == null) {
                throw new IllegalStateException("no GIC provider is bound");
            }
            withHostLoader(() -> machine.load(snapshot));
        }
    }

    @Override
    public Optional<Gic> gic() {
        synchronized (lock) {
            return machine == null ? Optional.empty() : machine.gic();
        }
    }
}
