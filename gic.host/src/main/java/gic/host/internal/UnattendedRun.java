package gic.host.internal;

import gic.host.ReferenceHost;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.IntSupplier;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The unattended run of the exported runtime ({@code java -jar gic.jar --seconds N [--swap-every S]}).
 *
 * <p>The bnd launcher registers a service carrying its command line as the property
 * {@code launcher.arguments}, and calls a {@link Callable} service with {@code main.thread=true} on its main
 * thread, exiting the JVM with the returned code once the framework has stopped. This component reads the
 * arguments ({@link RunOptions}; framework properties {@code gic.run.seconds} and {@code gic.run.swap.every}
 * where the launcher gave none) and, for a run of N seconds, registers such a Callable: it prints the figures
 * every second, swaps providers through Config Admin every S seconds, then settles the machine, prints the
 * verdict and returns 0 only if nothing was lost or doubled and every swap happened (else 1; 2 for a command
 * line it does not understand).
 *
 * <p>For a run, the Gogo shell must not stop the framework when its input ends (as it does by default), or a
 * run with standard input at end of file ({@code < /dev/null}, CI) would stop at once. The shell starts at a
 * later start level and reads {@code gosh.args} then, so this component sets it to {@code --noshutdown}
 * (unless it is set already): the shell stays usable during the run, and end of input only ends the shell.
 */
@Component(immediate = true, service = {})
public final class UnattendedRun {

    /** Service property of the bnd launcher's own service: its command-line arguments (String[]). */
    static final String LAUNCHER_ARGUMENTS = "launcher.arguments";
    /** How long the run waits for the host and Config Admin to register. */
    static final long START_MILLIS = 30_000;
    /** How long a swap may take, from the configuration update until the host runs on the new provider. */
    static final long SWAP_MILLIS = 10_000;

    private final PrintStream out = System.out;
    private ServiceTracker<ReferenceHost, ReferenceHost> hosts;
    private ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> configAdmins;
    private ServiceRegistration<?> registration;
    private volatile boolean stopped;

    @Activate
    void activate(BundleContext context) {
        RunOptions options = RunOptions.parse(launcherArguments(context), context::getProperty);
        Main main;
        if (options.error() != null) {
            System.err.println("gic: " + options.error());
            System.err.println(RunOptions.USAGE);
            main = new Main(() -> 2);
        } else if (options.seconds() > 0) {
            if (context.getProperty("gosh.args") == null) {
                System.setProperty("gosh.args", "--noshutdown");
            }
            hosts = new ServiceTracker<>(context, ReferenceHost.class, null);
            hosts.open();
            configAdmins = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
            configAdmins.open();
            main = new Main(() -> run(options));
        } else {
            return;
        }
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("main.thread", Boolean.TRUE);
        registration = context.registerService(Callable.class.getName(), main, properties);
    }

    @Deactivate
    void deactivate() {
        stopped = true;
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the framework
            }
        }
        if (hosts != null) {
            hosts.close();
            configAdmins.close();
        }
    }

    /**
     * The launcher's main-thread service. The launcher accepts a Callable only if the class's {@code call()}
     * is declared to return Integer (it checks by reflection), which a lambda's is not.
     */
    static final class Main implements Callable<Integer> {
        private final IntSupplier body;

        Main(IntSupplier body) {
            this.body = body;
        }

        @Override
        public Integer call() {
            return body.getAsInt();
        }
    }

    /** The launcher's command line, or none when not started by the bnd launcher. */
    static List<String> launcherArguments(BundleContext context) {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(" + LAUNCHER_ARGUMENTS + "=*)");
            if (refs != null) {
                for (ServiceReference<?> ref : refs) {
                    if (ref.getProperty(LAUNCHER_ARGUMENTS) instanceof String[] args) {
                        return Arrays.asList(args);
                    }
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e); // constant filter
        }
        return List.of();
    }

    /** The run, on the launcher's main thread, once the host and Config Admin are there; the exit code. */
    private int run(RunOptions options) {
        try {
            ReferenceHost host = hosts.waitForService(START_MILLIS);
            ConfigurationAdmin configAdmin = configAdmins.waitForService(START_MILLIS);
            if (host == null || configAdmin == null) {
                out.println("gic: FAILED: " + (host == null ? "no reference host" : "no Config Admin")
                    + " after " + START_MILLIS / 1000 + " s");
                return 1;
            }
            return new TimedRun(host, new ProviderSwap(configAdmin, host), out, SWAP_MILLIS)
                .run(options, () -> stopped);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("gic: run interrupted");
            return 1;
        }
    }
}
