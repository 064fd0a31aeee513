package gic.api;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * All guest-visible state of one GIC, immutable, restorable into either provider. State the architecture
 * keeps in guest memory (LPI property tables, ITS tables) is not copied: it stays in the guest RAM the
 * host keeps; the snapshot holds the register values that point to it.
 *
 * <p>{@link #toBytes()} gives a stable, versioned byte encoding (big-endian, starting with the magic
 * {@code "GICS"} and {@link #FORMAT_VERSION}); {@link #fromBytes(byte[])} reads it back. Two snapshots are
 * equal exactly when their encodings are.
 *
 * <p>Bitmaps are sequences of 32-bit words: word {@code n} bit {@code b} is interrupt {@code 32n + b} of
 * the bank. Priorities hold one byte value per interrupt.
 *
 * @param formatVersion   {@link #FORMAT_VERSION} for snapshots taken by this version
 * @param lpiMode         the provider that took it ({@link GicProvider#LPI_ITS} or {@link GicProvider#LPI_DIRECT})
 * @param config          the GIC's configuration
 * @param distributor     the distributor
 * @param redistributors  one per CPU, in CPU order, each with its CPU interface
 * @param itses           one per ITS of {@code config}; empty if the taking provider never ran ITSes
 */
public record GicSnapshot(int formatVersion, String lpiMode, GicConfig config, DistributorState distributor,
                          List<RedistributorState> redistributors, List<ItsState> itses) {

    /** The byte-format version this code writes. */
    public static final int FORMAT_VERSION = 1;
    private static final int MAGIC = 0x47494353; // "GICS"

    public GicSnapshot {
        Objects.requireNonNull(lpiMode);
        Objects.requireNonNull(config);
        Objects.requireNonNull(distributor);
        redistributors = List.copyOf(redistributors);
        itses = List.copyOf(itses);
        if (redistributors.size() != config.cpuCount()) {
            throw new IllegalArgumentException("one redistributor per CPU expected");
        }
    }

    /**
     * Interrupt state of a bank of interrupts (the 32 SGIs and PPIs of a redistributor, or the SPIs).
     *
     * @param group    GICD_IGROUPR / GICR_IGROUPR0 bits (1 = Group 1)
     * @param enabled  enable bits
     * @param pending  pending latches (for a level-sensitive interrupt, excluding its line level)
     * @param active   active bits
     * @param level    input line levels
     * @param edge     1 = edge-triggered (from ICFGR)
     * @param priority one priority byte per interrupt
     */
    public record IrqBankState(Longs group, Longs enabled, Longs pending, Longs active, Longs level, Longs edge,
                               Longs priority) {
    }

    /**
     * @param ctlr    GICD_CTLR
     * @param spis    the SPI bank, from INTID 32
     * @param irouter GICD_IROUTER of each SPI, from INTID 32
     */
    public record DistributorState(int ctlr, IrqBankState spis, Longs irouter) {
    }

    /**
     * @param ctlr        GICR_CTLR
     * @param waker       GICR_WAKER
     * @param propbaser   GICR_PROPBASER
     * @param pendbaser   GICR_PENDBASER as last written; bit 62 (PTZ, which the guest reads as 0) is kept
     *                    until EnableLPIs consumes it
     * @param sgiPpi      the SGI and PPI bank
     * @param pendingLpis the INTIDs of pending LPIs, ascending
     * @param cpu         the CPU interface of this redistributor's PE
     */
    public record RedistributorState(int ctlr, int waker, long propbaser, long pendbaser, IrqBankState sgiPpi,
                                     Longs pendingLpis, CpuInterfaceState cpu) {
    }

    /**
     * @param pmr     ICC_PMR_EL1
     * @param bpr0    ICC_BPR0_EL1
     * @param bpr1    ICC_BPR1_EL1 (as stored, not the CBPR view)
     * @param ctlr    ICC_CTLR_EL1 writable bits (CBPR, EOImode)
     * @param igrpen0 ICC_IGRPEN0_EL1
     * @param igrpen1 ICC_IGRPEN1_EL1
     * @param ap0r    ICC_AP0R0..3_EL1
     * @param ap1r    ICC_AP1R0..3_EL1
     */
    public record CpuInterfaceState(int pmr, int bpr0, int bpr1, int ctlr, int igrpen0, int igrpen1, Longs ap0r,
                                    Longs ap1r) {
    }

    /**
     * Register state of one ITS; its device, collection and interrupt translation tables live in guest
     * memory, where the ITS flushed them before this snapshot.
     *
     * @param ctlr    GITS_CTLR
     * @param cbaser  GITS_CBASER
     * @param cwriter GITS_CWRITER
     * @param creadr  GITS_CREADR (including Stalled)
     * @param baser   GITS_BASER0..7
     */
    public record ItsState(int ctlr, long cbaser, long cwriter, long creadr, Longs baser) {
    }

    /** The stable byte encoding. */
    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeInt(formatVersion);
            out.writeUTF(lpiMode);
            writeConfig(out, config);
            out.writeInt(distributor.ctlr());
            writeBank(out, distributor.spis());
            writeLongs(out, distributor.irouter());
            for (RedistributorState r : redistributors) {
                out.writeInt(r.ctlr());
                out.writeInt(r.waker());
                out.writeLong(r.propbaser());
                out.writeLong(r.pendbaser());
                writeBank(out, r.sgiPpi());
                writeLongs(out, r.pendingLpis());
                CpuInterfaceState c = r.cpu();
                for (int v : new int[] {c.pmr(), c.bpr0(), c.bpr1(), c.ctlr(), c.igrpen0(), c.igrpen1()}) {
                    out.writeInt(v);
                }
                writeLongs(out, c.ap0r());
                writeLongs(out, c.ap1r());
            }
            out.writeInt(itses.size());
            for (ItsState i : itses) {
                out.writeInt(i.ctlr());
                out.writeLong(i.cbaser());
                out.writeLong(i.cwriter());
                out.writeLong(i.creadr());
                writeLongs(out, i.baser());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen: in-memory stream
        }
    }

    /**
     * Reads an encoding made by {@link #toBytes()}.
     *
     * @throws IllegalArgumentException if the bytes are not a snapshot of a supported format version
     */
    public static GicSnapshot fromBytes(byte[] data) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        try {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a GIC snapshot");
            }
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("unsupported snapshot format version " + version);
            }
            String mode = in.readUTF();
            GicConfig config = readConfig(in);
            DistributorState dist = new DistributorState(in.readInt(), readBank(in), readLongs(in));
            List<RedistributorState> rds = new ArrayList<>();
            for (int i = 0; i < config.cpuCount(); i++) {
                int ctlr = in.readInt();
                int waker = in.readInt();
                long prop = in.readLong();
                long pend = in.readLong();
                IrqBankState bank = readBank(in);
                Longs lpis = readLongs(in);
                CpuInterfaceState cpu = new CpuInterfaceState(in.readInt(), in.readInt(), in.readInt(),
                    in.readInt(), in.readInt(), in.readInt(), readLongs(in), readLongs(in));
                rds.add(new RedistributorState(ctlr, waker, prop, pend, bank, lpis, cpu));
            }
            int n = count(in, 1024);
            List<ItsState> its = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                its.add(new ItsState(in.readInt(), in.readLong(), in.readLong(), in.readLong(), readLongs(in)));
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException("trailing bytes after snapshot");
            }
            return new GicSnapshot(version, mode, config, dist, rds, its);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated GIC snapshot", e);
        }
    }

    private static void writeConfig(DataOutputStream out, GicConfig c) throws IOException {
        out.writeInt(c.cpuCount());
        for (int a : c.cpuAffinities()) {
            out.writeInt(a);
        }
        out.writeInt(c.spiCount());
        out.writeInt(c.lpiIdBits());
        out.writeInt(c.priorityBits());
        out.writeLong(c.distributorBase());
        out.writeLong(c.redistributorBase());
        out.writeInt(c.itses().size());
        for (ItsConfig i : c.itses()) {
            out.writeLong(i.base());
            out.writeInt(i.deviceIdBits());
            out.writeInt(i.eventIdBits());
            out.writeBoolean(i.pta());
        }
    }

    private static GicConfig readConfig(DataInputStream in) throws IOException {
        int cpus = count(in, GicConfig.MAX_CPUS);
        List<Integer> aff = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            aff.add(in.readInt());
        }
        int spis = in.readInt();
        int idBits = in.readInt();
        int priBits = in.readInt();
        long gicd = in.readLong();
        long gicr = in.readLong();
        int n = count(in, 1024);
        List<ItsConfig> itses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            itses.add(new ItsConfig(in.readLong(), in.readInt(), in.readInt(), in.readBoolean()));
        }
        return new GicConfig(aff, spis, idBits, priBits, gicd, gicr, itses);
    }

    private static void writeBank(DataOutputStream out, IrqBankState b) throws IOException {
        for (Longs l : List.of(b.group(), b.enabled(), b.pending(), b.active(), b.level(), b.edge(), b.priority())) {
            writeLongs(out, l);
        }
    }

    private static IrqBankState readBank(DataInputStream in) throws IOException {
        return new IrqBankState(readLongs(in), readLongs(in), readLongs(in), readLongs(in), readLongs(in),
            readLongs(in), readLongs(in));
    }

    private static void writeLongs(DataOutputStream out, Longs l) throws IOException {
        out.writeInt(l.size());
        for (int i = 0; i < l.size(); i++) {
            out.writeLong(l.get(i));
        }
    }

    private static Longs readLongs(DataInputStream in) throws IOException {
        int n = count(in, in.available() / 8);
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readLong();
        }
        return Longs.of(v);
    }

    private static int count(DataInputStream in, int max) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new IllegalArgumentException("corrupt GIC snapshot: count " + n);
        }
        return n;
    }
}
