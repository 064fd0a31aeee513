package gic.benchmarks;

import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The benchmark jar's entry point: JMH's command line, plus one thing JMH cannot say in one run. JMH
 * fixes the thread count per run ({@code -t}), and {@link ContentionBench} must be measured with 1 and
 * with 2 threads to compare them; so this runs the selected benchmarks as usual, then ContentionBench
 * once per thread count, and writes all results to the one file that {@code -rf}/{@code -rff} name.
 * With {@code -t N} on the command line, ContentionBench runs with N only. At the end it prints the
 * issue's targets next to the figures of this run (information only: the exit code does not depend
 * on them). {@code -h}, {@code -l}, {@code -lprof} and {@code -lrf} go straight to JMH.
 */
public final class RunAll {

    static final int[] CONTENTION_THREADS = {1, 2};
    private static final String CONTENTION = ContentionBench.class.getName();
    private static final Set<String> JMH_ONLY = Set.of("-h", "-l", "-lp", "-lprof", "-lrf");

    private RunAll() {
    }

    public static void main(String[] args) throws Exception {
        for (String a : args) {
            if (JMH_ONLY.contains(a)) {
                org.openjdk.jmh.Main.main(args);
                return;
            }
        }
        // -rf / -rff are applied once, to the results of every run together.
        List<String> rest = new ArrayList<>();
        ResultFormatType format = null;
        String file = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-rf") && i + 1 < args.length) {
                format = ResultFormatType.valueOf(args[++i].toUpperCase(Locale.ROOT));
            } else if (args[i].equals("-rff") && i + 1 < args.length) {
                file = args[++i];
            } else {
                rest.add(args[i]);
            }
        }
        CommandLineOptions cmd = new CommandLineOptions(rest.toArray(String[]::new));
        List<RunResult> results = new ArrayList<>();

        results.addAll(run(new OptionsBuilder().parent(cmd).exclude(Pattern.quote(CONTENTION))));
        if (selects(cmd.getIncludes(), CONTENTION + ".scale")) {
            int[] counts = cmd.getThreads().hasValue() ? new int[] {cmd.getThreads().get()} : CONTENTION_THREADS;
            for (int t : counts) {
                ChainedOptionsBuilder b = new OptionsBuilder().parent(cmd).threads(t);
                for (Class<?> other : List.of(MsiBench.class, RoundTripBench.class, HppiBench.class,
                        CommandBench.class, SwapBench.class)) {
                    b.exclude(Pattern.quote(other.getName()));
                }
                results.addAll(run(b.include(Pattern.quote(CONTENTION))));
            }
        }
        if (results.isEmpty()) {
            System.err.println("No benchmark matched.");
            System.exit(1);
        }

        PrintStream out = System.out;
        out.println();
        out.println("All runs:");
        ResultFormatFactory.getInstance(ResultFormatType.TEXT, out).writeOut(results);
        Summary.print(results, out);
        if (format != null || file != null) {
            ResultFormatType f = format != null ? format : ResultFormatType.CSV;
            String name = file != null ? file : "jmh-result." + f.name().toLowerCase(Locale.ROOT);
            File parent = new File(name).getAbsoluteFile().getParentFile();
            if (parent != null) {
                parent.mkdirs();
            }
            ResultFormatFactory.getInstance(f, name).writeOut(results);
            out.println("Results (" + f + ") written to " + name);
        }
    }

    private static Collection<RunResult> run(ChainedOptionsBuilder options) throws Exception {
        try {
            return new Runner(options.build()).run();
        } catch (NoBenchmarksException e) {
            return List.of();
        }
    }

    /** Whether JMH's include patterns (none = all) select {@code benchmark}. */
    private static boolean selects(List<String> includes, String benchmark) {
        if (includes.isEmpty()) {
            return true;
        }
        for (String p : includes) {
            if (Pattern.compile(p).matcher(benchmark).find()) {
                return true;
            }
        }
        return false;
    }
}
