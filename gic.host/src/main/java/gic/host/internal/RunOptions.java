package gic.host.internal;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Options of an unattended run, from the launcher's command line ({@code --seconds N --swap-every S}) or,
 * where an option is not on it, from the framework properties {@code gic.run.seconds} and
 * {@code gic.run.swap.every}.
 *
 * @param seconds    how long to run; 0 = not unattended (run until the framework stops)
 * @param swapEvery  swap between the two providers every this many seconds; 0 = never
 * @param error      why the command line is not understood, or {@code null}
 */
record RunOptions(int seconds, int swapEvery, String error) {

    static final String USAGE = "usage: java -jar gic.jar [--seconds N [--swap-every S]]\n"
        + "  --seconds N     run N seconds unattended, print figures each second, then settle and exit:\n"
        + "                  0 if no interrupt was lost or doubled, 1 otherwise\n"
        + "  --swap-every S  swap its <-> directlpi through Config Admin every S seconds of the run\n"
        + "  without --seconds: the machine runs with the Gogo shell until 'stop 0' (exit code 117)";

    /** Parses {@code args}; {@code properties} gives framework properties (null where unset). */
    static RunOptions parse(List<String> args, UnaryOperator<String> properties) {
        Integer seconds = null;
        Integer swapEvery = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (!name.equals("--seconds") && !name.equals("--swap-every")) {
                return new RunOptions(0, 0, "unknown option '" + a + "'");
            }
            String value;
            if (a.contains("=")) {
                value = a.substring(a.indexOf('=') + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                return new RunOptions(0, 0, name + " needs a value");
            }
            Integer n = count(value);
            if (n == null) {
                return new RunOptions(0, 0, name + " needs a whole number of seconds >= 0, not '" + value + "'");
            }
            if (name.equals("--seconds")) {
                seconds = n;
            } else {
                swapEvery = n;
            }
        }
        if (seconds == null) {
            seconds = count(properties.apply("gic.run.seconds"));
        }
        if (swapEvery == null) {
            swapEvery = count(properties.apply("gic.run.swap.every"));
        }
        int s = seconds == null ? 0 : seconds;
        int every = swapEvery == null ? 0 : swapEvery;
        if (s == 0 && every > 0) {
            return new RunOptions(0, 0, "--swap-every needs --seconds (swaps are part of an unattended run)");
        }
        return new RunOptions(s, every, null);
    }

    /** A whole number >= 0, or null. */
    private static Integer count(String text) {
        if (text == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(text.trim());
            return n >= 0 ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
