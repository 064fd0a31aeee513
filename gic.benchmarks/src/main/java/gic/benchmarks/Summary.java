package gic.benchmarks;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * Prints every result with its thread count, then the targets of the performance issue beside this
 * run's figures (ratios within the run). Information for the reader: nothing fails on a miss.
 */
final class Summary {

    private Summary() {
    }

    static void print(Collection<RunResult> results, PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "%-32s %8s %4s %14s %12s %14s  %s%n", "Benchmark", "param", "thr", "score", "error",
            "best iter", "unit");
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            Result<?> s = r.getPrimaryResult();
            String param = p.getParamsKeys().isEmpty() ? "" : p.getParam(p.getParamsKeys().iterator().next());
            out.printf(Locale.ROOT, "%-32s %8s %4d %14.3f %12.3f %14.3f  %s%n", shortName(p.getBenchmark()), param,
                p.getThreads(), s.getScore(), s.getScoreError(), best(r), s.getScoreUnit());
        }
        out.println("(best iter: the fastest measurement iteration; on a machine shared with other work it is the"
            + " least disturbed one. Targets below use the score.)");
        out.println();
        out.println("Targets (this run):");
        Optional<Double> cached = score(results, "MsiBench.translateCached", null, 0);
        Optional<Double> walk = score(results, "MsiBench.translateWalk", null, 0);
        target(out, "translateCached <= 20 ns/op", cached.map(v -> fmt(v, "ns/op")), cached.map(v -> v <= 20));
        target(out, "translateWalk / translateCached >= 5", ratio(walk, cached).map(v -> fmt(v, "x")),
            ratio(walk, cached).map(v -> v >= 5));
        for (String rt : new String[] {"RoundTripBench.its", "RoundTripBench.directLpi"}) {
            Optional<Double> v = score(results, rt, null, 0);
            target(out, rt + " <= 80 ns/op", v.map(x -> fmt(x, "ns/op")), v.map(x -> x <= 80));
        }
        Optional<Double> hppi = ratio(score(results, "HppiBench.acknowledge", "65536", 0),
            score(results, "HppiBench.acknowledge", "64", 0));
        target(out, "HppiBench 65536 / 64 <= 1.5", hppi.map(v -> fmt(v, "x")), hppi.map(v -> v <= 1.5));
        Optional<Double> cmd = score(results, "CommandBench.mix", null, 0);
        target(out, "CommandBench.mix >= 10M commands/s", cmd.map(v -> fmt(v / 1e6, "M/s")), cmd.map(v -> v >= 1e7));
        Optional<Double> swap = score(results, "SwapBench.swap", null, 0);
        target(out, "SwapBench.swap <= 1000 us/op", swap.map(v -> fmt(v, "us/op")), swap.map(v -> v <= 1000));
        Optional<Double> scale = ratio(score(results, "ContentionBench.scale", null, 2),
            score(results, "ContentionBench.scale", null, 1));
        target(out, "ContentionBench 2 threads / 1 >= 1.6", scale.map(v -> fmt(v, "x")), scale.map(v -> v >= 1.6));
        out.println();
    }

    /** The fastest iteration: the lowest time per operation, or the highest throughput. */
    private static double best(RunResult r) {
        boolean throughput = r.getParams().getMode() == Mode.Throughput;
        double best = throughput ? 0 : Double.MAX_VALUE;
        for (BenchmarkResult b : r.getBenchmarkResults()) {
            for (IterationResult i : b.getIterationResults()) {
                double v = i.getPrimaryResult().getScore();
                best = throughput ? Math.max(best, v) : Math.min(best, v);
            }
        }
        return best;
    }

    private static String shortName(String benchmark) {
        int dot = benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1);
        return benchmark.substring(dot + 1);
    }

    /** The score of {@code name} (Class.method) with that first parameter value and thread count (0 = any). */
    private static Optional<Double> score(Collection<RunResult> results, String name, String param, int threads) {
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            if (!shortName(p.getBenchmark()).equals(name) || threads != 0 && p.getThreads() != threads) {
                continue;
            }
            if (param != null && (p.getParamsKeys().isEmpty()
                    || !param.equals(p.getParam(p.getParamsKeys().iterator().next())))) {
                continue;
            }
            return Optional.of(r.getPrimaryResult().getScore());
        }
        return Optional.empty();
    }

    private static Optional<Double> ratio(Optional<Double> a, Optional<Double> b) {
        return a.isPresent() && b.isPresent() ? Optional.of(a.get() / b.get()) : Optional.empty();
    }

    private static String fmt(double v, String unit) {
        return String.format(Locale.ROOT, "%.2f %s", v, unit);
    }

    private static void target(PrintStream out, String what, Optional<String> value, Optional<Boolean> met) {
        out.printf(Locale.ROOT, "  %-40s %16s  %s%n", what, value.orElse("-"),
            met.map(m -> m ? "met" : "MISSED").orElse("not run"));
    }
}
