package gic.host.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import gic.host.HostStats;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The live figure lines: rates over the interval since the previous line. */
class FiguresTest {

    @Test
    void the_first_line_has_rates_since_start_and_later_lines_since_the_previous_one() {
        Figures f = new Figures();
        assertEquals("t=2.0s provider=its msi/s=500 taken/s per cpu=[100 150] taken=500 swaps=0",
            f.line(new HostStats("its", 2, 2000, 1000, 0, List.of(200L, 300L), 0, 0)));
        assertEquals("t=3.0s provider=directlpi msi/s=4000 taken/s per cpu=[1000 0] taken=1500 swaps=1",
            f.line(new HostStats("directlpi", 2, 3000, 5000, 0, List.of(1200L, 300L), 1, 5)));
    }

    @Test
    void a_rebuilt_machine_restarts_the_rates() {
        Figures f = new Figures();
        f.line(new HostStats("its", 2, 9000, 90_000, 0, List.of(900L, 900L), 0, 0));
        assertEquals("t=1.0s provider=its msi/s=10 taken/s per cpu=[1 2 3] taken=6 swaps=0",
            f.line(new HostStats("its", 3, 1000, 10, 0, List.of(1L, 2L, 3L), 0, 0)));
    }
}
