package gic.host.machine;

import gic.api.GicSnapshot;
import gic.api.GicSnapshot.IrqBankState;
import gic.api.GicSnapshot.RedistributorState;
import gic.api.Longs;
import java.util.ArrayList;
import java.util.List;

/**
 * What is pending in a GIC snapshot: SPIs, each CPU's SGIs and PPIs, each CPU's LPIs. A level-sensitive
 * interrupt whose line is high counts as pending. Two snapshots whose pending state is equal give equal
 * values, whatever provider took them.
 *
 * @param spis     pending SPI INTIDs, ascending
 * @param privates per CPU, its pending SGI and PPI INTIDs
 * @param lpis     per CPU, its pending LPI INTIDs
 */
record PendingState(List<Integer> spis, List<List<Integer>> privates, List<List<Integer>> lpis) {

    /** Receives one pending interrupt: {@code cpu} is -1 for an SPI. */
    interface Visitor {
        void pending(int cpu, int intid);
    }

    PendingState {
        spis = List.copyOf(spis);
        privates = privates.stream().map(List::copyOf).toList();
        lpis = lpis.stream().map(List::copyOf).toList();
    }

    static PendingState of(GicSnapshot s) {
        List<List<Integer>> privates = new ArrayList<>();
        List<List<Integer>> lpis = new ArrayList<>();
        for (RedistributorState rd : s.redistributors()) {
            privates.add(pending(rd.sgiPpi(), 0));
            List<Integer> l = new ArrayList<>();
            for (long intid : rd.pendingLpis().toArray()) {
                l.add((int) intid);
            }
            lpis.add(l);
        }
        return new PendingState(pending(s.distributor().spis(), 32), privates, lpis);
    }

    /** INTIDs (from {@code first}) whose pending latch is set, or whose line is high and level-sensitive. */
    private static List<Integer> pending(IrqBankState bank, int first) {
        return bits(first, bank.pending(), bank.level(), bank.edge(), true);
    }

    /** The active SPIs, SGIs and PPIs of a snapshot, as text ("SPI 48", "CPU 1 PPI 30"). */
    static List<String> active(GicSnapshot s) {
        List<String> out = new ArrayList<>();
        IrqBankState spis = s.distributor().spis();
        bits(32, spis.active(), Longs.EMPTY, Longs.EMPTY, false).forEach(i -> out.add("SPI " + i));
        for (int c = 0; c < s.redistributors().size(); c++) {
            IrqBankState b = s.redistributors().get(c).sgiPpi();
            for (int i : bits(0, b.active(), Longs.EMPTY, Longs.EMPTY, false)) {
                out.add("CPU " + c + " INTID " + i);
            }
        }
        return out;
    }

    private static List<Integer> bits(int first, Longs latch, Longs level, Longs edge, boolean levelPends) {
        List<Integer> out = new ArrayList<>();
        for (int w = 0; w < latch.size(); w++) {
            long bits = latch.get(w);
            if (levelPends && w < level.size()) {
                bits |= level.get(w) & ~(w < edge.size() ? edge.get(w) : 0);
            }
            bits &= 0xFFFF_FFFFL;
            for (; bits != 0; bits &= bits - 1) {
                out.add(first + 32 * w + Long.numberOfTrailingZeros(bits));
            }
        }
        return out;
    }

    boolean isEmpty() {
        return count() == 0;
    }

    int count() {
        int n = spis.size();
        for (int c = 0; c < privates.size(); c++) {
            n += privates.get(c).size() + lpis.get(c).size();
        }
        return n;
    }

    void forEach(Visitor v) {
        spis.forEach(i -> v.pending(-1, i));
        for (int c = 0; c < privates.size(); c++) {
            int cpu = c;
            privates.get(c).forEach(i -> v.pending(cpu, i));
            lpis.get(c).forEach(i -> v.pending(cpu, i));
        }
    }

    /** Up to {@code max} pending interrupts as text ("SPI 48", "CPU 2 INTID 8200"). */
    List<String> describe(int max) {
        List<String> out = new ArrayList<>();
        forEach((cpu, intid) -> {
            if (out.size() < max) {
                out.add(cpu < 0 ? "SPI " + intid : "CPU " + cpu + " INTID " + intid);
            }
        });
        return out;
    }
}
