package gic.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.api.GuestMemory;
import gic.api.ItsConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * Both implementations as Declarative Services register a {@link GicProvider} with their {@code gic.lpi}
 * property and a Metatype description of their defaults, and the provider a host finds in the framework
 * makes a working GIC (an MSI raises an LPI the CPU takes), whose snapshot the other provider restores.
 */
class ProvidersTest {

    private static final long RAM_BASE = 0x4000_0000L;
    private static final long PROP = RAM_BASE;
    private static final long PEND = RAM_BASE + 0x1_0000L;
    private static final long CMDQ = RAM_BASE + 0x2_0000L;
    private static final long DEVICES = RAM_BASE + 0x3_0000L;
    private static final long COLLECTIONS = RAM_BASE + 0x4_0000L;
    private static final long ITT = RAM_BASE + 0x5_0000L;
    private static final int LPI = 8192 + 5;

    @InjectBundleContext
    BundleContext context;

    @InjectService(filter = "(gic.lpi=its)", timeout = 5000)
    GicProvider its;

    @InjectService(filter = "(gic.lpi=directlpi)", timeout = 5000)
    GicProvider direct;

    @InjectService(timeout = 5000)
    MetaTypeService metaType;

    @Test
    void each_provider_registers_with_its_lpi_mode() {
        assertEquals(GicProvider.LPI_ITS, its.lpiMode());
        assertEquals(GicProvider.LPI_DIRECT, direct.lpiMode());
        assertEquals("gic.its.impl", bundleOf(GicProvider.LPI_ITS).getSymbolicName());
        assertEquals("gic.directlpi.impl", bundleOf(GicProvider.LPI_DIRECT).getSymbolicName());
    }

    @Test
    void each_provider_describes_its_defaults_with_metatype() {
        for (String mode : List.of(GicProvider.LPI_ITS, GicProvider.LPI_DIRECT)) {
            Bundle b = bundleOf(mode);
            MetaTypeInformation info = metaType.getMetaTypeInformation(b);
            assertNotNull(info, "no metatype in " + b.getSymbolicName());
            String[] pids = info.getPids();
            assertTrue(pids.length > 0, "no designated PID in " + b.getSymbolicName());
            ObjectClassDefinition ocd = info.getObjectClassDefinition(pids[0], null);
            assertTrue(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL).length > 0,
                "empty OCD " + pids[0]);
        }
    }

    @Test
    void an_msi_through_the_its_raises_an_lpi_and_directlpi_restores_the_snapshot() {
        Ram ram = new Ram(RAM_BASE, 1 << 20);
        Gic g = its.create(GicConfig.virt(1), ram);
        long gits = GicConfig.VIRT_ITS_BASE;
        bringUpCpu(g, ram);
        write(g, gits + 0x100, 8, DEVICES | 1L << 63 | 7L << 48 | 1L << 56 | 2L << 8); // BASER0: 64K pages
        write(g, gits + 0x108, 8, COLLECTIONS | 1L << 63 | 7L << 48 | 4L << 56 | 2L << 8);
        write(g, gits + 0x80, 8, CMDQ | 1L << 63); // CBASER: one 4 KiB page
        write(g, gits + 0x88, 8, 0);
        write(g, gits, 4, 1); // GITS_CTLR.Enabled
        long[][] cmds = {
            {0x09, 0, 1L << 63, 0}, // MAPC ICID 0 -> PE 0
            {0x08 | 7L << 32, 1, ITT | 1L << 63, 0}, // MAPD DeviceID 7, 2 EventID bits
            {0x0A | 7L << 32, 3 | (long) LPI << 32, 0, 0}, // MAPTI event 3 -> LPI, ICID 0
            {0x05, 0, 0, 0}, // SYNC PE 0
        };
        for (int i = 0; i < cmds.length; i++) {
            for (int d = 0; d < 4; d++) {
                ram.store(CMDQ - RAM_BASE + 32L * i + 8L * d, cmds[i][d]);
            }
        }
        write(g, gits + 0x88, 8, 32L * cmds.length);
        assertEquals(32L * cmds.length, g.regionAt(gits).read(0x90, 8), "GITS_CREADR after the commands");

        assertTrue(g.msi(GicConfig.VIRT_ITS_BASE + ItsConfig.TRANSLATER_OFFSET, 4, 3, 7));
        assertTrue(ram.irq.get(), "IRQ line after the MSI");
        GicSnapshot snap = g.snapshot();
        g.close();

        Gic d = direct.restore(GicSnapshot.fromBytes(snap.toBytes()), ram);
        assertEquals(GicProvider.LPI_DIRECT, d.lpiMode());
        assertEquals(LPI, d.cpu(0).read(gic.api.IccRegister.IAR1), "ICC_IAR1_EL1 on the DirectLPI GIC");
        d.close();
    }

    private void bringUpCpu(Gic g, Ram ram) {
        long rd = GicConfig.VIRT_GICR_BASE;
        write(g, GicConfig.VIRT_GICD_BASE, 4, 0b11); // GICD_CTLR groups
        write(g, rd + 0x14, 4, 0); // GICR_WAKER
        ram.bytes[(int) (PROP - RAM_BASE) + (LPI - 8192)] = (byte) (0xA0 | 0b11); // priority, Group1, Enable
        write(g, rd + 0x70, 8, PROP | 15); // GICR_PROPBASER: 16 ID bits
        write(g, rd + 0x78, 8, PEND | 1L << 62); // GICR_PENDBASER with PTZ
        write(g, rd, 4, 1); // EnableLPIs
        g.cpu(0).write(gic.api.IccRegister.PMR, 0xFF);
        g.cpu(0).write(gic.api.IccRegister.IGRPEN1, 1);
    }

    private static void write(Gic g, long address, int size, long value) {
        var r = g.regionAt(address);
        r.write(address - r.base(), size, value);
    }

    private Bundle bundleOf(String mode) {
        try {
            for (ServiceReference<GicProvider> ref : context.getServiceReferences(GicProvider.class,
                "(gic.lpi=" + mode + ")")) {
                return ref.getBundle();
            }
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no provider with gic.lpi=" + mode);
    }

    /** One CPU's host: RAM as a byte array and its IRQ line. */
    private static final class Ram implements GicHost, GuestMemory {
        final long base;
        final byte[] bytes;
        final AtomicBoolean irq = new AtomicBoolean();

        Ram(long base, int size) {
            this.base = base;
            this.bytes = new byte[size];
        }

        void store(long offset, long value) {
            for (int i = 0; i < 8; i++) {
                bytes[(int) offset + i] = (byte) (value >>> (8 * i));
            }
        }

        @Override
        public synchronized boolean read(long address, byte[] dst, int offset, int length) {
            if (address < base || address - base > bytes.length - length) {
                return false;
            }
            System.arraycopy(bytes, (int) (address - base), dst, offset, length);
            return true;
        }

        @Override
        public synchronized boolean write(long address, byte[] src, int offset, int length) {
            if (address < base || address - base > bytes.length - length) {
                return false;
            }
            System.arraycopy(src, offset, bytes, (int) (address - base), length);
            return true;
        }

        @Override
        public GuestMemory memory() {
            return this;
        }

        @Override
        public void setIrq(int cpu, boolean asserted) {
            irq.set(asserted);
        }

        @Override
        public void setFiq(int cpu, boolean asserted) {
        }
    }
}
