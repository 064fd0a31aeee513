package gic.host.stress;

import gic.api.CpuInterface;
import gic.api.DirectLpi;
import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicSnapshot;
import gic.api.IccRegister;
import gic.api.MmioRegion;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A GIC with one planted bug, to show that the stress accounting catches it: it forwards everything to a
 * real GIC except, once, what {@link Plant} says. Wrap every GIC of a run with the same {@link Plant}, so
 * the bug fires once per run whatever the provider swaps.
 */
final class FaultyGic implements Gic {

    /** The planted bug. */
    enum Fault {
        /** The {@code after}-th MSI of {@code deviceId} is swallowed (reported as delivered). */
        DROP_MSI,
        /** After the {@code after}-th acknowledge of {@code intid}, the next ICC_IAR1_EL1 read returns it again. */
        DUPLICATE_TAKE,
        /** Once {@link Plant#arm()}ed, an ICC_IAR1_EL1 read that finds nothing returns {@code intid}. */
        PHANTOM_TAKE
    }

    /** Which bug, where, and whether it fired; shared by every GIC of a run. */
    static final class Plant {
        final Fault fault;
        final int deviceId;
        final int intid;
        final int after;
        private final AtomicInteger seen = new AtomicInteger();
        private final AtomicBoolean armed = new AtomicBoolean();
        private final AtomicBoolean fired = new AtomicBoolean();
        /** Per CPU: 1 = the next IAR1 read is the planted one; 2 = the next EOIR1 of {@code intid} is swallowed. */
        private final AtomicIntegerArray state = new AtomicIntegerArray(GicConfig.MAX_CPUS);

        Plant(Fault fault, int deviceId, int intid, int after) {
            this.fault = fault;
            this.deviceId = deviceId;
            this.intid = intid;
            this.after = after;
        }

        /** PHANTOM_TAKE: the next IAR1 read that finds nothing returns {@code intid}. */
        void arm() {
            armed.set(true);
        }

        boolean fired() {
            return fired.get();
        }
    }

    private final Gic gic;
    private final Plant plant;

    FaultyGic(Gic gic, Plant plant) {
        this.gic = gic;
        this.plant = plant;
    }

    @Override
    public boolean msi(long address, int size, long data, int deviceId) {
        if (plant.fault == Fault.DROP_MSI && deviceId == plant.deviceId && plant.seen.incrementAndGet() == plant.after) {
            plant.fired.set(true);
            return true;
        }
        return gic.msi(address, size, data, deviceId);
    }

    @Override
    public CpuInterface cpu(int index) {
        CpuInterface real = gic.cpu(index);
        return new CpuInterface() {
            @Override
            public int index() {
                return index;
            }

            @Override
            public long read(IccRegister register) {
                if (register != IccRegister.IAR1) {
                    return real.read(register);
                }
                if (plant.state.compareAndSet(index, 1, 2)) {
                    return plant.intid; // DUPLICATE_TAKE: the same interrupt once more
                }
                long id = real.read(register);
                if (plant.fault == Fault.DUPLICATE_TAKE && id == plant.intid
                    && plant.seen.incrementAndGet() == plant.after) {
                    plant.fired.set(true);
                    plant.state.set(index, 1);
                } else if (plant.fault == Fault.PHANTOM_TAKE && id == GuestDriver.SPURIOUS
                    && plant.armed.compareAndSet(true, false)) {
                    plant.fired.set(true);
                    plant.state.set(index, 2);
                    return plant.intid;
                }
                return id;
            }

            @Override
            public void write(IccRegister register, long value) {
                if (register == IccRegister.EOIR1 && value == plant.intid && plant.state.compareAndSet(index, 2, 0)) {
                    return; // the planted acknowledge has no active priority to drop
                }
                real.write(register, value);
            }

            @Override
            public long unknownSysReg(int op0, int op1, int crn, int crm, int op2, boolean write) {
                return real.unknownSysReg(op0, op1, crn, crm, op2, write);
            }
        };
    }

    @Override
    public String lpiMode() {
        return gic.lpiMode();
    }

    @Override
    public GicConfig config() {
        return gic.config();
    }

    @Override
    public List<MmioRegion> regions() {
        return gic.regions();
    }

    @Override
    public void setSpiLevel(int intid, boolean high) {
        gic.setSpiLevel(intid, high);
    }

    @Override
    public void setPpiLevel(int cpu, int intid, boolean high) {
        gic.setPpiLevel(cpu, intid, high);
    }

    @Override
    public GicSnapshot snapshot() {
        return gic.snapshot();
    }

    @Override
    public Map<String, Long> counters() {
        return gic.counters();
    }

    @Override
    public Optional<DirectLpi> directLpi() {
        return gic.directLpi();
    }

    @Override
    public String diagnostics() {
        return gic.diagnostics();
    }

    @Override
    public void close() {
        gic.close();
    }
}
