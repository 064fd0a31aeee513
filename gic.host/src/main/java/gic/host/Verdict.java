package gic.host;

import java.util.List;

/**
 * The interrupt ledger checked at a quiescent point (devices stopped, vCPUs drained).
 *
 * <p>Rules, per INTID: it is never taken more often than it was raised ({@code doubled} counts INTIDs
 * that were); the last raise of it was followed by a take ({@code lost} counts INTIDs whose last raise
 * was not); nothing is left pending. Raises of an interrupt that is still pending coalesce, as the
 * architecture says, so {@code taken} may be lower than {@code raised}. {@code swapMismatches} counts
 * provider swaps after which the new GIC's pending state differed from the old one's.
 *
 * @param ok              no problem found
 * @param raised          raises by all sources (MSIs, timer ticks, SPI pulses)
 * @param taken           interrupts acknowledged
 * @param lost            INTIDs whose last raise was never taken
 * @param doubled         INTIDs taken more often than raised
 * @param swapMismatches  swaps whose snapshot did not survive intact
 * @param problems        a line per problem, at most a few dozen
 */
public record Verdict(boolean ok, long raised, long taken, long lost, long doubled, long swapMismatches,
                      List<String> problems) {

    public Verdict {
        problems = List.copyOf(problems);
    }
}
