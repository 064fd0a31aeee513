package gic.directlpi.impl;

import static gic.core.TestGic.*;
import static gic.directlpi.impl.DirectLpiRegs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import gic.api.DirectLpi;
import gic.api.GicHost;
import gic.api.LpiRange;
import gic.core.GicCore;
import gic.core.TestGic;
import gic.core.TestMemory;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The optional isolation policy: per requester DeviceID, the LPI ranges it may set through a
 * GICR_SETLPIR doorbell. Off by default, which is the architecture (any device may set any LPI); when on,
 * a denied MSI is dropped, counted and reported, and CPU writes are never checked.
 */
class IsolationTest {

    private static final int NIC = 0x100;
    private static final int DISK = 0x200;

    private GicCore gic;

    @AfterEach
    void closeGic() {
        if (gic != null) {
            gic.close();
        }
    }

    private DirectLpi direct() {
        return gic.directLpi().orElseThrow();
    }

    private boolean msi(int cpu, int intid, int deviceId) {
        return gic.msi(direct().setLpirAddress(cpu), 4, intid, deviceId);
    }

    @Test
    void isolation_is_off_by_default_and_any_device_may_set_any_lpi() {
        gic = machine(2, false);
        assertFalse(direct().isolated());
        msi(0, 8200, NIC);
        msi(1, 8200, DISK);
        msi(1, 8250, 0xFFFF_FFFF);
        assertTrue(pending(gic, 0, 8200));
        assertTrue(pending(gic, 1, 8200));
        assertTrue(pending(gic, 1, 8250));
        assertEquals(0, counter(gic, "directlpi.msi.dropped.isolation"));
    }

    @Test
    void with_isolation_an_allowed_device_sets_lpis_in_its_ranges_on_any_redistributor() {
        gic = machine(2, false);
        direct().isolate(List.of(new LpiRange(NIC, 8192, 8199), new LpiRange(DISK, 8200, 8200)));
        assertTrue(direct().isolated());
        msi(0, 8192, NIC);
        msi(1, 8199, NIC);
        msi(1, 8200, DISK);
        assertEquals(List.of(8192), drainGroup1(gic, 0));
        assertEquals(List.of(8199, 8200), drainGroup1(gic, 1));
        assertEquals(0, counter(gic, "directlpi.msi.dropped.isolation"));
    }

    @Test
    void with_isolation_an_msi_outside_the_devices_ranges_is_dropped_counted_and_reported() {
        TestMemory ram = new TestMemory(RAM_BASE, RAM_SIZE);
        GicHost host = mock(GicHost.class);
        when(host.memory()).thenReturn(ram);
        gic = (GicCore) new DirectLpiGicProvider().create(TestGic.cpus(1).config(), host);
        bringUp(gic);
        direct().isolate(List.of(new LpiRange(NIC, 8192, 8199)));

        assertTrue(msi(0, 8200, NIC), "the doorbell's address: handled, even though denied");
        assertTrue(msi(0, 8192, DISK), "another device's LPI");
        assertFalse(pending(gic, 0, 8200));
        assertFalse(pending(gic, 0, 8192));
        assertEquals(SPURIOUS, iar1(gic, 0));
        assertEquals(2, counter(gic, "directlpi.msi.dropped.isolation"));
        assertEquals(2, counter(gic, "guestError.DirectLPI"));
        verify(host).guestError(eq("DirectLPI"), contains("INTID 8200 from DeviceID 256"));
        verify(host).guestError(eq("DirectLPI"), contains("INTID 8192 from DeviceID 512"));
        verify(host, never()).setIrq(0, true);
    }

    @Test
    void with_isolation_a_device_may_hold_several_ranges() {
        gic = machine(1, true);
        direct().isolate(List.of(new LpiRange(NIC, 8192, 8193), new LpiRange(NIC, 8210, 8211),
            new LpiRange(NIC, 8194, 8195)));
        for (int id : new int[] {8192, 8193, 8194, 8195, 8210, 8211}) {
            msi(0, id, NIC);
        }
        for (int id : new int[] {8196, 8209, 8212}) {
            msi(0, id, NIC);
        }
        assertEquals(List.of(8192, 8193, 8194, 8195, 8210, 8211), drainGroup1(gic, 0));
        assertEquals(3, counter(gic, "directlpi.msi.dropped.isolation"));
    }

    @Test
    void with_isolation_cpu_writes_of_setlpir_are_not_checked() {
        gic = machine(1, false);
        direct().isolate(List.of());
        setlpir(gic, 0, 8200);
        assertEquals(List.of(8200), drainGroup1(gic, 0));
    }

    @Test
    void isolating_with_no_range_denies_every_msi() {
        gic = machine(1, true);
        direct().isolate(List.of());
        assertTrue(direct().isolated());
        msi(0, 8200, 0);
        assertFalse(pending(gic, 0, 8200));
        assertEquals(1, counter(gic, "directlpi.msi.dropped.isolation"));
    }

    @Test
    void isolate_replaces_the_earlier_policy() {
        gic = machine(1, true);
        direct().isolate(List.of(new LpiRange(NIC, 8192, 8199)));
        direct().isolate(List.of(new LpiRange(DISK, 8192, 8199)));
        msi(0, 8192, NIC);
        msi(0, 8193, DISK);
        assertEquals(List.of(8193), drainGroup1(gic, 0));
    }

    @Test
    void isolation_off_restores_the_architecture() {
        gic = machine(1, true);
        direct().isolate(List.of(new LpiRange(NIC, 8192, 8199)));
        msi(0, 8200, DISK);
        direct().isolationOff();
        assertFalse(direct().isolated());
        msi(0, 8201, DISK);
        assertEquals(List.of(8201), drainGroup1(gic, 0));
        assertEquals(1, counter(gic, "directlpi.msi.dropped.isolation"));
    }

    @Test
    void the_isolation_check_comes_before_the_architectural_checks() {
        gic = machine(1, true);
        direct().isolate(List.of(new LpiRange(NIC, 8192, 1 << 20)));
        msi(0, 1 << 17, NIC); // allowed by policy, outside PROPBASER's range
        msi(0, 1 << 17, DISK);
        assertEquals(1, counter(gic, "directlpi.msi.dropped.outOfRange"));
        assertEquals(1, counter(gic, "directlpi.msi.dropped.isolation"));
    }

    @Test
    void provider_options_turn_isolation_on_for_the_gics_it_creates() {
        DirectLpiGicProvider provider = new DirectLpiGicProvider(
            DirectLpiOptions.isolated(List.of(new LpiRange(NIC, 8192, 8195))));
        gic = bringUp(TestGic.cpus(1).lenient().create(provider));
        assertTrue(direct().isolated());
        msi(0, 8192, NIC);
        msi(0, 8192 + 4, NIC);
        assertEquals(List.of(8192), drainGroup1(gic, 0));
        assertTrue(gic.diagnostics().contains("isolation: on, 256:8192-8195"), gic.diagnostics());
    }

    @Test
    void configuration_ranges_parse_and_malformed_entries_are_left_out() {
        DirectLpiOptions o = DirectLpiOptions.fromConfiguration(true,
            new String[] {"0x100:8192-8199", "512:0x2010", "", "nonsense", "7:100-200", "7:9000-8999"});
        assertTrue(o.isolation());
        assertEquals(List.of(new LpiRange(NIC, 8192, 8199), new LpiRange(DISK, 0x2010, 0x2010)), o.allowed());
        assertEquals(List.of(), DirectLpiOptions.fromConfiguration(false, null).allowed());
        assertEquals(DirectLpiOptions.DEFAULTS, new DirectLpiGicProvider().options());
    }

    @Test
    void a_policy_merges_overlapping_and_adjacent_ranges_and_checks_each_boundary() {
        IsolationPolicy p = IsolationPolicy.of(List.of(new LpiRange(3, 9000, 9010), new LpiRange(3, 8192, 8200),
            new LpiRange(3, 8201, 8300), new LpiRange(3, 8250, 8260), new LpiRange(-1, 8192, 8192)));
        assertEquals(List.of(new LpiRange(-1, 8192, 8192), new LpiRange(3, 8192, 8300), new LpiRange(3, 9000, 9010)),
            p.ranges());
        assertFalse(p.allows(3, 8191));
        assertTrue(p.allows(3, 8192));
        assertTrue(p.allows(3, 8300));
        assertFalse(p.allows(3, 8301));
        assertFalse(p.allows(3, 8999));
        assertTrue(p.allows(3, 9000));
        assertTrue(p.allows(3, 9010));
        assertFalse(p.allows(3, 9011));
        assertFalse(p.allows(3, -1), "INTID 0xFFFFFFFF");
        assertTrue(p.allows(-1, 8192));
        assertFalse(p.allows(4, 8192));
        assertFalse(IsolationPolicy.of(List.of()).allows(0, 8192));
        assertThrows(NullPointerException.class, () -> IsolationPolicy.of(java.util.Arrays.asList((LpiRange) null)));
    }

    @Test
    void the_policy_switch_is_counted() {
        gic = machine(1, false);
        direct().isolate(List.of(new LpiRange(NIC, 8192, 8192)));
        direct().isolationOff();
        assertEquals(2, counter(gic, "directlpi.isolation.changes"));
    }

    @Test
    void a_denied_msi_is_reported_to_the_host_once_per_msi() {
        TestMemory ram = new TestMemory(RAM_BASE, RAM_SIZE);
        GicHost host = mock(GicHost.class);
        when(host.memory()).thenReturn(ram);
        gic = (GicCore) new DirectLpiGicProvider().create(TestGic.cpus(1).config(), host);
        bringUp(gic);
        direct().isolate(List.of());
        for (int i = 0; i < 3; i++) {
            msi(0, 8200, 9);
        }
        verify(host, times(3)).guestError(eq("DirectLPI"), contains("denied by the isolation policy"));
    }
}
