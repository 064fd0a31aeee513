package gic.directlpi.impl;

import static gic.core.TestGic.*;
import static gic.directlpi.impl.DirectLpiRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import gic.api.Gic;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.api.LpiRange;
import gic.core.GicCore;
import gic.core.TestGic;
import gic.core.TestHost;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The provider: its LPI mode, the GICs it creates and restores (from a snapshot of either kind), and the
 * configuration Declarative Services hands it.
 */
class DirectLpiGicProviderTest {

    @Test
    void the_provider_is_the_directlpi_one() {
        DirectLpiGicProvider p = new DirectLpiGicProvider();
        assertEquals(GicProvider.LPI_DIRECT, p.lpiMode());
        try (Gic g = p.create(TestGic.cpus(2).config(), TestGic.cpus(2).host())) {
            assertEquals(GicProvider.LPI_DIRECT, g.lpiMode());
            assertTrue(g instanceof GicCore);
            assertTrue(g.directLpi().isPresent());
            assertFalse(g.directLpi().get().isolated());
            assertTrue(g.diagnostics().startsWith("DirectLPI"));
        }
    }

    @Test
    void a_restored_gic_keeps_each_pending_lpi_at_its_redistributor() {
        GicCore g = machine(2, false);
        gic.api.DirectLpi d = g.directLpi().orElseThrow();
        g.msi(d.setLpirAddress(1), 4, 8200, 1);
        lpiConfig(g, 8201, PRIO, false);
        invlpir(g, 0, 8201);
        setlpir(g, 0, 8201); // pending, masked
        GicSnapshot snap = GicSnapshot.fromBytes(g.snapshot().toBytes());
        assertEquals(GicProvider.LPI_DIRECT, snap.lpiMode());
        TestHost host = TestGic.host(g);
        g.close();

        GicCore r = (GicCore) new DirectLpiGicProvider().restore(snap, host);
        try {
            assertTrue(host.irq(1));
            assertEquals(List.of(8200), drainGroup1(r, 1));
            assertTrue(pending(r, 0, 8201), "the masked LPI is still pending at CPU 0");
            assertEquals(List.of(), drainGroup1(r, 0));
            assertEquals(1, ctlrIr(r, 0), "the restored GIC is a DirectLPI one");
            r.msi(r.directLpi().orElseThrow().setLpirAddress(0), 4, 8202, 1);
            assertEquals(List.of(8202), drainGroup1(r, 0));
        } finally {
            r.close();
        }
    }

    @Test
    void a_snapshot_of_a_gic_without_directlpi_restores_into_a_directlpi_one() {
        TestHost host = TestGic.cpus(1).host();
        GicCore plain = TestGic.cpus(1).create(host); // the core alone: LPI mode "none"
        bringUp(plain);
        assertTrue(plain.redistributor(0).setLpiPending(8200));
        GicSnapshot snap = plain.snapshot();
        plain.close();

        GicCore r = (GicCore) new DirectLpiGicProvider().restore(snap, host);
        try {
            assertEquals(GicProvider.LPI_DIRECT, r.lpiMode());
            assertEquals(List.of(8200), drainGroup1(r, 0));
        } finally {
            r.close();
        }
    }

    @Test
    void isolation_comes_from_the_providers_options_not_from_the_snapshot() {
        GicCore g = machine(1, false);
        g.directLpi().orElseThrow().isolate(List.of());
        GicSnapshot snap = g.snapshot();
        TestHost host = TestGic.host(g);
        g.close();

        try (Gic open = new DirectLpiGicProvider().restore(snap, host)) {
            assertFalse(open.directLpi().orElseThrow().isolated(), "the default provider: isolation off");
        }
        DirectLpiGicProvider strict =
            new DirectLpiGicProvider(DirectLpiOptions.isolated(List.of(new LpiRange(5, 8192, 8192))));
        try (Gic closed = strict.restore(snap, host)) {
            assertTrue(closed.directLpi().orElseThrow().isolated());
        }
    }

    @Test
    void the_ds_configuration_sets_the_options_of_gics_created_afterwards() {
        DirectLpiGicProvider p = new DirectLpiGicProvider();
        GicCore before = (GicCore) p.create(TestGic.cpus(1).config(), TestGic.cpus(1).host());

        DirectLpiGicProvider.Config config = mock(DirectLpiGicProvider.Config.class);
        when(config.isolation_enabled()).thenReturn(true);
        when(config.isolation_allowed()).thenReturn(new String[] {"0x10:8192-8199", "0x11:0x2010"});
        p.configure(config);
        assertEquals(new DirectLpiOptions(true,
            List.of(new LpiRange(0x10, 8192, 8199), new LpiRange(0x11, 0x2010, 0x2010))), p.options());

        GicCore after = bringUp(TestGic.cpus(1).lenient().create(p));
        try {
            assertFalse(before.directLpi().orElseThrow().isolated(), "an existing GIC keeps its policy");
            assertTrue(after.directLpi().orElseThrow().isolated());
            long doorbell = after.directLpi().orElseThrow().setLpirAddress(0);
            after.msi(doorbell, 4, 8195, 0x10);
            after.msi(doorbell, 4, 8195 + 1, 0x11);
            after.msi(doorbell, 4, 0x2010, 0x11);
            assertEquals(List.of(8195, 0x2010), drainGroup1(after, 0));
        } finally {
            before.close();
            after.close();
        }

        when(config.isolation_enabled()).thenReturn(false);
        p.configure(config);
        assertFalse(p.options().isolation());
        assertNotNull(p.options().allowed());
    }

    /** GICR_CTLR.IR of CPU {@code cpu}. */
    private static long ctlrIr(GicCore g, int cpu) {
        return gic.core.Regs.gicr(g, cpu, GICR_CTLR) >>> 2 & 1;
    }
}
