package gic.host.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The unattended run's command line, and the framework properties that stand in for it. */
class RunOptionsTest {

    private static RunOptions parse(List<String> args, Map<String, String> properties) {
        return RunOptions.parse(args, properties::get);
    }

    @Test
    void seconds_and_swap_interval_come_from_the_command_line_with_or_without_an_equals_sign() {
        assertEquals(new RunOptions(30, 10, null), parse(List.of("--seconds", "30", "--swap-every", "10"), Map.of()));
        assertEquals(new RunOptions(30, 10, null), parse(List.of("--seconds=30", "--swap-every=10"), Map.of()));
    }

    @Test
    void no_arguments_is_an_interactive_run() {
        assertEquals(new RunOptions(0, 0, null), parse(List.of(), Map.of()));
    }

    @Test
    void framework_properties_stand_in_for_options_missing_from_the_command_line() {
        Map<String, String> p = Map.of("gic.run.seconds", "5", "gic.run.swap.every", "2");
        assertEquals(new RunOptions(5, 2, null), parse(List.of(), p));
        assertEquals(new RunOptions(7, 2, null), parse(List.of("--seconds", "7"), p));
    }

    @Test
    void unknown_options_missing_values_and_bad_numbers_are_errors() {
        assertEquals("unknown option '--minutes'", parse(List.of("--minutes", "3"), Map.of()).error());
        assertEquals("--seconds needs a value", parse(List.of("--seconds"), Map.of()).error());
        assertEquals("--swap-every needs a whole number of seconds >= 0, not '-1'",
            parse(List.of("--swap-every", "-1"), Map.of()).error());
        assertEquals("--seconds needs a whole number of seconds >= 0, not 'ten'",
            parse(List.of("--seconds=ten"), Map.of()).error());
    }

    @Test
    void a_swap_interval_without_a_run_length_is_an_error() {
        assertEquals("--swap-every needs --seconds (swaps are part of an unattended run)",
            parse(List.of("--swap-every", "10"), Map.of()).error());
    }
}
