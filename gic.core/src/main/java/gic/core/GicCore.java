package gic.core;

import gic.api.CpuInterface;
import gic.api.DirectLpi;
import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.GicSnapshot;
import gic.api.GicSnapshot.ItsState;
import gic.api.GicSnapshot.RedistributorState;
import gic.api.GuestMemory;
import gic.api.MmioRegion;
import gic.core.distributor.Distributor;
import gic.core.reg.RegisterTable;
import gic.core.redistributor.Redistributor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The architectural GICv3 both implementations embed: one distributor, one redistributor and CPU
 * interface per PE, and an LPI back end ({@link GicExtension}) that the implementation supplies.
 */
public final class GicCore implements Gic {

    /** Offset of GICD_SETSPI_NSR in the distributor frame, the doorbell of message-based SPIs. */
    private static final long GICD_SETSPI_NSR = 0x40;

    private final GicConfig config;
    private final GicHost host;
    private final GuestMemory memory;
    private static final int PADDING_LONGS = 16;
    private final Counters counters = new Counters();
    /** Never read: see the constructor. */
    @SuppressWarnings("unused")
    private final long[][] padding;
    private final GuestErrors errors;
    private final Map<Integer, Integer> cpuByAffinity = new HashMap<>();
    private final Distributor distributor;
    private final GicExtension extension;
    private final Redistributor[] redistributors;
    private final List<MmioRegion> regions;
    private List<ItsState> carriedItses = List.of();
    private volatile boolean closed;

    private GicCore(GicConfig config, GicHost host, Function<GicCore, GicExtension> extensionFactory) {
        this.config = config;
        this.host = host;
        this.memory = host.memory();
        this.errors = new GuestErrors(counters, host);
        for (int i = 0; i < config.cpuCount(); i++) {
            cpuByAffinity.put(config.cpuAffinities().get(i), i);
        }
        distributor = new Distributor(this);
        extension = extensionFactory.apply(this);
        RegisterTable<Redistributor> rdRegs = Redistributor.rdRegisters();
        if (extension.redistributorRegisters() != null) {
            rdRegs.include(extension.redistributorRegisters());
        }
        redistributors = new Redistributor[config.cpuCount()];
        // Cold padding between the redistributors in allocation order, which is heap order until a GC moves
        // them: a redistributor's monitor, taken on every MSI, acknowledge and EOI, must not share a cache
        // line with the array every MSI reads or with another CPU's state. Without it two CPUs taking
        // interrupts ran slower together than one alone (ContentionBench).
        padding = new long[redistributors.length + 1][];
        padding[0] = new long[PADDING_LONGS];
        for (int i = 0; i < redistributors.length; i++) {
            redistributors[i] = new Redistributor(this, i, rdRegs);
            padding[i + 1] = new long[PADDING_LONGS];
        }
        List<MmioRegion> r = new ArrayList<>();
        r.add(distributor.region());
        r.add(new RedistributorRegion());
        r.addAll(extension.regions());
        regions = List.copyOf(r);
    }

    /** A core-only GIC in its reset state (no ITS, no DirectLPI registers). */
    public static GicCore create(GicConfig config, GicHost host) {
        return create(config, host, g -> GicExtension.NONE);
    }

    /** A GIC in its reset state with the LPI back end {@code extension} makes. */
    public static GicCore create(GicConfig config, GicHost host, Function<GicCore, GicExtension> extension) {
        GicCore g = new GicCore(config, host, extension);
        g.updateAll(true);
        return g;
    }

    /** A core-only GIC in the state of {@code snapshot}. */
    public static GicCore restore(GicSnapshot snapshot, GicHost host) {
        return restore(snapshot, host, g -> GicExtension.NONE);
    }

    /** A GIC in the state of {@code snapshot}, with the LPI back end {@code extension} makes. */
    public static GicCore restore(GicSnapshot snapshot, GicHost host, Function<GicCore, GicExtension> extension) {
        if (snapshot.formatVersion() != GicSnapshot.FORMAT_VERSION) {
            throw new IllegalArgumentException("unsupported snapshot format version " + snapshot.formatVersion());
        }
        GicCore g = new GicCore(snapshot.config(), host, extension);
        g.distributor.restore(snapshot.distributor());
        for (int i = 0; i < g.redistributors.length; i++) {
            g.redistributors[i].restore(snapshot.redistributors().get(i));
        }
        g.carriedItses = snapshot.itses();
        g.extension.restoreItses(snapshot.itses());
        g.updateAll(true);
        return g;
    }

    @Override
    public String lpiMode() {
        return extension.lpiMode();
    }

    @Override
    public GicConfig config() {
        return config;
    }

    public GicHost host() {
        return host;
    }

    public GuestMemory memory() {
        return memory;
    }

    public GuestErrors errors() {
        return errors;
    }

    /** Whether {@link #close()} was called: the lines stay low from then on. */
    public boolean isClosed() {
        return closed;
    }

    public Counters counterSet() {
        return counters;
    }

    public Distributor distributor() {
        return distributor;
    }

    public GicExtension extension() {
        return extension;
    }

    public Redistributor redistributor(int cpu) {
        return redistributors[cpu];
    }

    /** The CPU index with MPIDR affinity {@code aff} (packed Aff3.Aff2.Aff1.Aff0), or -1. */
    public int cpuIndexOfAffinity(int aff) {
        Integer i = cpuByAffinity.get(aff);
        return i == null ? -1 : i;
    }

    @Override
    public List<MmioRegion> regions() {
        return regions;
    }

    @Override
    public CpuInterface cpu(int index) {
        return redistributors[index].cpu();
    }

    @Override
    public void setSpiLevel(int intid, boolean high) {
        distributor.setLevel(intid, high);
    }

    @Override
    public void setPpiLevel(int cpu, int intid, boolean high) {
        if (cpu < 0 || cpu >= redistributors.length || intid < 16 || intid > 31) {
            errors.report("GICR", "wire input to CPU " + cpu + " INTID " + intid + ", which is no PPI");
            return;
        }
        redistributors[cpu].setPpiLevel(intid, high);
    }

    @Override
    public boolean msi(long address, int size, long data, int deviceId) {
        if (closed) {
            return false;
        }
        if (address == config.distributorBase() + GICD_SETSPI_NSR) {
            distributor.setSpiByMessage((int) data);
            return true;
        }
        return extension.msi(address, size, data, deviceId);
    }

    /** SPI {@code intid} changed: the CPUs that may take it re-evaluate (call without any lock held). */
    public void spiChanged(int intid) {
        if (distributor.isOneOfN(intid)) {
            updateAll(true);
        } else {
            int t = distributor.targetOf(intid);
            if (t >= 0) {
                redistributors[t].spisChanged();
            }
        }
    }

    /** Every CPU re-evaluates; {@code spis}: SPI state or routing changed too. */
    public void updateAll(boolean spis) {
        for (Redistributor rd : redistributors) {
            rd.update(spis);
        }
    }

    /**
     * ICC_SGI0R_EL1 / ICC_SGI1R_EL1 from CPU {@code self}: TargetList [15:0], Aff1 [23:16], INTID [27:24],
     * Aff2 [39:32], IRM [40], RS [47:44], Aff3 [55:48].
     */
    public void generateSgi(int self, long value, int group) {
        int intid = (int) (value >>> 24) & 0xF;
        boolean allButSelf = ((value >>> 40) & 1) != 0;
        int cluster = (int) ((value >>> 48) & 0xFF) << 16 | (int) ((value >>> 32) & 0xFF) << 8
            | (int) ((value >>> 16) & 0xFF);
        int rangeSelector = (int) (value >>> 44) & 0xF;
        int targets = (int) value & 0xFFFF;
        for (Redistributor rd : redistributors) {
            int aff = rd.affinity();
            boolean hit = allButSelf
                ? rd.index() != self
                : aff >>> 8 == cluster && (aff & 0xFF) >>> 4 == rangeSelector && (targets >>> (aff & 0xF) & 1) != 0;
            if (hit) {
                rd.raiseSgi(intid, group);
            }
        }
    }

    /** Called by a redistributor after its EnableLPIs went from 1 to 0, without locks held. */
    public void lpisDisabled(Redistributor rd) {
        extension.lpisDisabled(rd);
    }

    @Override
    public GicSnapshot snapshot() {
        List<ItsState> its = extension.saveItses();
        for (Redistributor rd : redistributors) {
            rd.writeBackPendingLpis();
        }
        List<RedistributorState> rds = new ArrayList<>();
        GicSnapshot.DistributorState dist = distributor.save();
        saveLocked(0, rds);
        return new GicSnapshot(GicSnapshot.FORMAT_VERSION, lpiMode(), config,
            dist, rds, its == null ? carriedItses : its);
    }

    private void saveLocked(int i, List<RedistributorState> out) {
        if (i == redistributors.length) {
            return;
        }
        synchronized (redistributors[i]) {
            out.add(redistributors[i].save());
            saveLocked(i + 1, out);
        }
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = counters.snapshot();
        m.putAll(extension.counters());
        return m;
    }

    @Override
    public Optional<DirectLpi> directLpi() {
        return extension.directLpi();
    }

    @Override
    public String diagnostics() {
        return extension.diagnostics();
    }

    @Override
    public void close() {
        closed = true;
        extension.close();
        for (Redistributor rd : redistributors) {
            rd.update(false); // lines go low and stay low once closed
        }
    }

    private final class RedistributorRegion implements MmioRegion {
        @Override
        public String name() {
            return "GICR";
        }

        @Override
        public long base() {
            return config.redistributorBase();
        }

        @Override
        public long size() {
            return GicConfig.REDISTRIBUTOR_STRIDE * redistributors.length;
        }

        @Override
        public long read(long offset, int size) {
            if (offset < 0 || offset >= size()) {
                errors.report("GICR", "read outside the redistributors at +0x" + Long.toHexString(offset));
                return 0;
            }
            return redistributors[(int) (offset / GicConfig.REDISTRIBUTOR_STRIDE)]
                .read(offset % GicConfig.REDISTRIBUTOR_STRIDE, size);
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset < 0 || offset >= size()) {
                errors.report("GICR", "write outside the redistributors at +0x" + Long.toHexString(offset));
                return;
            }
            redistributors[(int) (offset / GicConfig.REDISTRIBUTOR_STRIDE)]
                .write(offset % GicConfig.REDISTRIBUTOR_STRIDE, size, value);
        }
    }
}
