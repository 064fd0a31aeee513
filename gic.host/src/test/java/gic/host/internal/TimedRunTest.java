package gic.host.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import gic.host.HostStats;
import gic.host.ReferenceHost;
import gic.host.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The unattended run's output and exit code, with the host and the swap mocked (runs take real seconds). */
class TimedRunTest {

    private static final Verdict OK = new Verdict(true, 100, 90, 0, 0, 0, List.of());

    private final ReferenceHost host = mock(ReferenceHost.class);
    private final ProviderSwap swap = mock(ProviderSwap.class);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TimedRun run = new TimedRun(host, swap, new PrintStream(bytes, true, StandardCharsets.UTF_8), 50);

    @BeforeEach
    void machineOnIts() {
        when(host.lpiMode()).thenReturn("its");
        when(host.stats()).thenReturn(new HostStats("its", 2, 1000, 500, 500, List.of(10L, 20L), 0, 0));
    }

    @Test
    void a_run_prints_figures_each_second_swaps_on_schedule_and_exits_0_on_an_ok_verdict() throws Exception {
        when(swap.swapTo("directlpi", 50)).thenReturn("its -> directlpi in 3 ms");
        when(host.settle(anyLong())).thenReturn(OK);

        int code = run.run(new RunOptions(2, 1, null), () -> false);

        assertEquals(0, code, output());
        verify(swap).setProperty("report.seconds", 0);
        verify(swap).swapTo("directlpi", 50); // at t=1 only: no swap at the end of the run
        List<String> lines = output().lines().toList();
        assertEquals("gic: unattended run of 2 s on its, swapping providers every 1 s", lines.get(0));
        assertTrue(lines.get(1).startsWith("t=1.0s provider=its msi/s="), lines.get(1));
        assertEquals("gic: swapped its -> directlpi in 3 ms", lines.get(2));
        assertTrue(lines.get(3).startsWith("t=1.0s provider=its"), lines.get(3));
        assertEquals("gic: verdict ok: raised=100 taken=90 lost=0 doubled=0 swapMismatches=0 | msis=500 swaps=0"
            + " paused=0ms on its", lines.get(4));
        assertEquals("gic: OK: nothing lost or doubled", lines.get(5));
    }

    @Test
    void a_verdict_that_is_not_ok_exits_1_and_prints_its_problems() throws Exception {
        when(host.settle(anyLong()))
            .thenReturn(new Verdict(false, 100, 90, 1, 0, 0, List.of("CPU 1 INTID 8193 raised, never taken")));

        int code = run.run(new RunOptions(1, 0, null), () -> false);

        assertEquals(1, code);
        assertTrue(output().contains("gic: verdict NOT ok: raised=100 taken=90 lost=1 "), output());
        assertTrue(output().contains("\n  CPU 1 INTID 8193 raised, never taken\ngic: FAILED\n"), output());
    }

    @Test
    void a_swap_that_does_not_happen_fails_the_run_even_with_an_ok_verdict() throws Exception {
        when(swap.swapTo(anyString(), anyLong()))
            .thenThrow(new IllegalStateException("the host is still on its after 50 ms"));
        when(host.settle(anyLong())).thenReturn(OK);

        int code = run.run(new RunOptions(2, 1, null), () -> false);

        assertEquals(1, code);
        assertTrue(output().contains("gic: swap to directlpi failed: the host is still on its after 50 ms\n"), output());
        assertTrue(output().endsWith("gic: FAILED\n"), output());
    }

    @Test
    void a_run_stopped_by_the_framework_exits_1_without_settling() throws Exception {
        int code = run.run(new RunOptions(30, 0, null), () -> true);

        assertEquals(1, code);
        verify(host, never()).settle(anyLong());
        assertTrue(output().endsWith("gic: run interrupted: the framework is stopping\n"), output());
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
