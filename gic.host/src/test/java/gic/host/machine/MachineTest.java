package gic.host.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import gic.api.CpuInterface;
import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.GicProvider;
import gic.api.GicSnapshot;
import gic.api.GicSnapshot.RedistributorState;
import gic.api.IccRegister;
import gic.api.Longs;
import gic.directlpi.impl.DirectLpiGicProvider;
import gic.host.HostStats;
import gic.host.Verdict;
import gic.its.impl.ItsGicProvider;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.ArgumentCaptor;

/**
 * The machine on the two real providers: load, settle, swaps under load, detach/attach, load of a snapshot,
 * close. Where a test needs interrupts pending at a swap, it masks CPU 1 the way a guest would
 * (ICC_PMR_EL1 = 0) so that its interrupts pile up, and unmasks it afterwards.
 */
@Timeout(60)
class MachineTest {

    private static final long SETTLE_MS = 10_000;
    private static final int CPU = 1;
    /** Devices at 2,000 MSI/s each keep the load light on a shared two-core machine. */
    private static final MachineConfig CONFIG = new MachineConfig(4, 64, 0x4000_0000L, 4, 8, 2_000, 100, 1_000,
        GicConfig.VIRT_GICD_BASE, GicConfig.VIRT_GICR_BASE, GicConfig.VIRT_ITS_BASE);

    private final Machine machine = new Machine(CONFIG);

    @AfterEach
    void noGuestErrorsAndNoThreadLeft() {
        machine.close();
        assertEquals(List.of(), hostThreads(), "threads left after close()");
        assertEquals(List.of(), machine.recentGuestErrors(), "guest errors");
        assertEquals(0, machine.guestErrors());
    }

    // ---------------------------------------------------------------------------------------------
    // Load and settle

    @ParameterizedTest
    @ValueSource(strings = {GicProvider.LPI_ITS, GicProvider.LPI_DIRECT})
    void under_load_every_interrupt_raised_is_taken_on_every_cpu(String mode) throws Exception {
        machine.attach(provider(mode));
        assertEquals(mode, machine.lpiMode());
        Thread.sleep(300);

        Verdict v = assertOk(machine.settle(SETTLE_MS));
        assertTrue(v.raised() > 0 && v.taken() > 0);
        HostStats s = machine.stats();
        assertEquals(CONFIG.cpus(), s.takenPerCpu().size());
        s.takenPerCpu().forEach(t -> assertTrue(t > 0, "every CPU takes interrupts: " + s.takenPerCpu()));
        assertTrue(s.msis() > 0);
        for (int d = 0; d < CONFIG.devices(); d++) {
            assertEquals(0, machine.device(d).undelivered(), "every MSI-X entry is a doorbell of the GIC");
        }
        for (int c = 0; c < CONFIG.cpus(); c++) {
            assertTrue(machine.taken(c, Vcpu.TIMER_PPI) > 0, "timer ticks on CPU " + c);
        }
        assertTrue(machine.taken(-1, Timer.FIRST_SPI) > 0, "SPIs of the wired device");
    }

    @Test
    void settle_waits_for_the_vcpus_to_take_what_is_pending_and_reports_what_they_cannot() throws Exception {
        machine.attach(new ItsGicProvider());
        mask(CPU);
        Thread.sleep(100);
        Verdict stuck = machine.settle(100);
        assertFalse(stuck.ok());
        assertTrue(stuck.lost() > 0, "CPU 1's interrupts were raised and never taken");
        assertTrue(stuck.problems().stream().anyMatch(p -> p.startsWith("CPU 1 INTID 30 left pending")),
            stuck.problems().toString());
        assertTrue(stuck.problems().stream().anyMatch(p -> p.startsWith("CPU 1: IRQ line low as last signalled, waiting")
            && p.contains("ICC_PMR_EL1 0x0, ICC_RPR_EL1 0xff, LPI configuration bytes 8193=0xa3")),
            "why CPU 1 took nothing: masked, its LPIs enabled at priority 0xa0: " + stuck.problems());
        assertTrue(stuck.problems().stream().noneMatch(p -> p.startsWith("CPU 0:")), "CPU 0 drained");

        Thread unmasker = new Thread(() -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            unmask(CPU);
        }, "unmasker");
        unmasker.start();
        assertOk(machine.settle(SETTLE_MS)); // waits for the guest to unmask CPU 1 and take the backlog
        unmasker.join();
    }

    @Test
    void the_guest_boots_its_the_linux_way() {
        machine.attach(new ItsGicProvider());
        Map<String, Long> c = machine.gic().orElseThrow().counters();
        int vectors = CONFIG.lpis();
        assertEquals(CONFIG.cpus(), c.get("its0.command.MAPC"));
        assertEquals(CONFIG.cpus(), c.get("its0.command.INVALL"));
        assertEquals(CONFIG.devices(), c.get("its0.command.MAPD"));
        assertEquals(vectors, c.get("its0.command.MAPTI"));
        assertEquals(vectors, c.get("its0.command.INV"));
        long translater = CONFIG.gicConfig().itses().get(0).translaterAddress();
        assertEquals(translater, machine.device(2).address(5));
        assertEquals(5, machine.device(2).data(5), "the EventID is the vector");
    }

    @Test
    void under_directlpi_each_vector_rings_its_target_redistributor() {
        machine.attach(new DirectLpiGicProvider());
        var doorbells = machine.gic().orElseThrow().directLpi().orElseThrow();
        int lpi = CONFIG.lpi(2, 5);
        assertEquals(doorbells.setLpirAddress(CONFIG.lpiCpu(lpi)), machine.device(2).address(5));
        assertEquals(lpi, machine.device(2).data(5), "the data is the INTID");
    }

    @Test
    void stats_count_the_msis_written_and_their_rate() throws Exception {
        machine.attach(new DirectLpiGicProvider());
        machine.stats();
        Thread.sleep(300);
        HostStats s = machine.stats();
        assertEquals(CONFIG.cpus(), s.cpus());
        assertTrue(s.msis() > 0);
        assertTrue(s.msisPerSecond() > 0);
        assertTrue(s.uptimeMillis() >= 300);
        assertEquals(0, s.swaps());
    }

    // ---------------------------------------------------------------------------------------------
    // Swaps

    @Test
    void its_to_directlpi_to_its_under_load_keeps_pending_state_and_every_its_mapping() throws Exception {
        machine.attach(new ItsGicProvider());
        Thread.sleep(150);
        mask(CPU);
        Thread.sleep(100);
        machine.swapTo(new DirectLpiGicProvider());
        assertEquals(GicProvider.LPI_DIRECT, machine.lpiMode());
        Thread.sleep(150);
        machine.swapTo(new ItsGicProvider());
        assertEquals(GicProvider.LPI_ITS, machine.lpiMode());
        assertFalse(pendingLpis(CPU).isEmpty(), "CPU 1's LPIs piled up while it was masked, across both swaps");
        assertEquals(0L, machine.gic().orElseThrow().counters().getOrDefault("its0.command.MAPTI", 0L),
            "the mappings came back from guest RAM, not from a new bring-up");
        Map<Integer, Long> before = takenPerLpi();

        unmask(CPU);
        Thread.sleep(300);
        Verdict v = assertOk(machine.settle(SETTLE_MS));
        assertEquals(0, v.swapMismatches());
        assertEquals(2, machine.stats().swaps());
        before.forEach((lpi, t) -> assertTrue(machine.taken(-1, lpi) > t, "LPI " + lpi + " delivered after the round trip"));
    }

    @Test
    void a_machine_booted_under_directlpi_gets_the_full_its_bring_up_on_its_first_its() throws Exception {
        machine.attach(new DirectLpiGicProvider());
        Thread.sleep(150);
        machine.swapTo(new ItsGicProvider());
        Map<String, Long> c = machine.gic().orElseThrow().counters();
        assertEquals(CONFIG.cpus(), c.get("its0.command.MAPC"));
        assertEquals(CONFIG.lpis(), c.get("its0.command.MAPTI"));
        assertEquals(CONFIG.gicConfig().itses().get(0).translaterAddress(), machine.device(0).address(0));
        Map<Integer, Long> before = takenPerLpi();

        Thread.sleep(300);
        assertOk(machine.settle(SETTLE_MS));
        before.forEach((lpi, t) -> assertTrue(machine.taken(-1, lpi) > t, "LPI " + lpi + " delivered through the ITS"));
        assertEquals(0, machine.device(0).undelivered());
    }

    @Test
    void swapping_to_the_bound_provider_does_nothing() throws Exception {
        GicProvider its = spy(new ItsGicProvider());
        machine.attach(its);
        Gic g = machine.gic().orElseThrow();
        machine.swapTo(its);
        machine.attach(its);
        assertSame(g, machine.gic().orElseThrow());
        verify(its, never()).restore(any(), any());
        assertEquals(0, machine.stats().swaps());
    }

    @Test
    void a_replaced_gic_can_no_longer_move_the_vcpus_irq_lines() throws Exception {
        GicProvider its = spy(new ItsGicProvider());
        machine.attach(its);
        ArgumentCaptor<GicHost> oldHost = ArgumentCaptor.forClass(GicHost.class);
        verify(its).create(eq(CONFIG.gicConfig()), oldHost.capture());
        assertSame(machine.ram(), oldHost.getValue().memory());
        machine.swapTo(new DirectLpiGicProvider());
        mask(0); // nothing can raise CPU 0's IRQ line now
        Thread.sleep(50);
        assertTrue(machine.vcpu(0).idle());

        oldHost.getValue().setIrq(0, true); // a late callback of the closed GIC
        Thread.sleep(50);
        assertTrue(machine.vcpu(0).idle(), "the vCPU does not see the old GIC's line");
    }

    @Test
    void a_provider_that_cannot_restore_leaves_the_machine_on_its_gic() throws Exception {
        machine.attach(new ItsGicProvider());
        GicProvider broken = mock(GicProvider.class);
        when(broken.lpiMode()).thenReturn(GicProvider.LPI_DIRECT);
        when(broken.restore(any(), any())).thenThrow(new IllegalArgumentException("unsupported snapshot"));
        assertThrows(IllegalArgumentException.class, () -> machine.swapTo(broken));

        assertEquals(GicProvider.LPI_ITS, machine.lpiMode());
        Thread.sleep(200);
        assertOk(machine.settle(SETTLE_MS));
        assertEquals(0, machine.stats().swaps());
    }

    @Test
    void detach_then_attach_brings_back_every_pending_interrupt() throws Exception {
        machine.attach(new ItsGicProvider());
        mask(CPU);
        Thread.sleep(200);
        machine.detach();
        assertEquals("none", machine.lpiMode());
        assertTrue(machine.gic().isEmpty());
        assertTrue(machine.snapshot().isEmpty());
        GicSnapshot held = machine.held().orElseThrow();
        List<Integer> heldLpis = PendingState.of(held).lpis().get(CPU);
        assertFalse(heldLpis.isEmpty());
        List<Long> frozen = machine.stats().takenPerCpu();
        Thread.sleep(100);
        assertEquals(frozen, machine.stats().takenPerCpu(), "nothing runs while detached");

        machine.attach(new DirectLpiGicProvider());
        assertEquals(GicProvider.LPI_DIRECT, machine.lpiMode());
        assertTrue(pendingLpis(CPU).containsAll(heldLpis), "the held LPIs are pending in the new GIC");
        unmask(CPU);
        Thread.sleep(200);
        Verdict v = assertOk(machine.settle(SETTLE_MS));
        assertEquals(0, v.swapMismatches());
    }

    @Test
    void settle_while_detached_reports_what_the_held_snapshot_has_pending() throws Exception {
        machine.attach(new DirectLpiGicProvider());
        mask(CPU);
        Thread.sleep(100);
        machine.detach();
        Verdict v = machine.settle(SETTLE_MS);
        assertFalse(v.ok());
        assertTrue(v.problems().stream().anyMatch(p -> p.contains("held while detached")), v.problems().toString());
    }

    @Test
    void load_puts_a_snapshot_taken_earlier_back() throws Exception {
        machine.attach(new ItsGicProvider());
        mask(CPU);
        Thread.sleep(150);
        GicSnapshot earlier = machine.snapshot().orElseThrow();
        List<Integer> earlierLpis = PendingState.of(earlier).lpis().get(CPU);
        assertFalse(earlierLpis.isEmpty());
        unmask(CPU);
        Thread.sleep(150);
        assertOk(machine.settle(SETTLE_MS));

        machine.load(GicSnapshot.fromBytes(earlier.toBytes()));
        Gic g = machine.gic().orElseThrow();
        assertEquals(0, g.cpu(CPU).read(IccRegister.PMR), "CPU 1 is masked again, as in the snapshot");
        assertTrue(pendingLpis(CPU).containsAll(earlierLpis));
        unmask(CPU);
        Thread.sleep(150);
        assertOk(machine.settle(SETTLE_MS));
        assertEquals(0, machine.stats().swaps());
    }

    @Test
    void load_refuses_a_snapshot_of_another_machine_and_needs_a_provider() {
        assertThrows(IllegalStateException.class, () -> machine.load(someSnapshot(CONFIG.gicConfig())));
        machine.attach(new DirectLpiGicProvider());
        assertThrows(IllegalArgumentException.class, () -> machine.load(someSnapshot(GicConfig.virt(2))));
    }

    // ---------------------------------------------------------------------------------------------
    // The ledger can fail

    @Test
    void a_gic_that_drops_msis_of_one_vector_makes_settle_report_them_lost() throws Exception {
        int device = 1;
        int vector = 3;
        machine.attach(droppingMsis(new ItsGicProvider(), CONFIG.deviceId(device), vector));
        Thread.sleep(200);
        Verdict v = machine.settle(SETTLE_MS);
        assertFalse(v.ok());
        assertEquals(1, v.lost());
        assertEquals(0, v.doubled());
        int lpi = CONFIG.lpi(device, vector);
        assertTrue(v.problems().stream().anyMatch(p -> p.startsWith("LPI " + lpi + " lost")), v.problems().toString());
    }

    @Test
    void a_swap_that_loses_pending_lpis_is_a_swap_mismatch() throws Exception {
        machine.attach(new ItsGicProvider());
        mask(CPU);
        Thread.sleep(150);
        machine.swapTo(forgettingPendingLpis(new DirectLpiGicProvider()));
        unmask(CPU);
        Thread.sleep(100);
        Verdict v = machine.settle(SETTLE_MS);
        assertFalse(v.ok());
        assertEquals(1, v.swapMismatches());
        assertTrue(v.problems().stream().anyMatch(p -> p.startsWith("swap its -> directlpi")), v.problems().toString());
    }

    @Test
    void a_vcpu_thread_ended_by_an_error_is_named_by_settle() throws Exception {
        AtomicBoolean armed = new AtomicBoolean();
        machine.attach(wrapping(new ItsGicProvider(), gic -> failingAcknowledge(gic, 0, armed), s -> s));
        Thread.sleep(50);
        armed.set(true); // as if a provider bundle went away under the vCPU
        Thread.sleep(100);

        Verdict v = machine.settle(200);
        assertFalse(v.ok());
        assertTrue(v.problems().stream().anyMatch(p -> p.equals("gic-host-vcpu-0 ended: java.lang.NoClassDefFoundError:"
            + " gic/core/Gone")), v.problems().toString());
        assertTrue(v.problems().stream().anyMatch(p -> p.startsWith("CPU 0: ") && p.contains("thread TERMINATED")),
            v.problems().toString());
    }

    // ---------------------------------------------------------------------------------------------
    // Close

    @Test
    void close_ends_every_thread_it_started_and_is_idempotent() throws Exception {
        machine.attach(new ItsGicProvider());
        Thread.sleep(50);
        List<String> running = hostThreads();
        assertTrue(running.containsAll(List.of("gic-host-vcpu-0", "gic-host-vcpu-3", "gic-host-msi-dev-0",
            "gic-host-msi-dev-3", "gic-host-timer")), running.toString());

        machine.close();
        assertEquals(List.of(), hostThreads());
        assertTrue(machine.gic().isEmpty());
        machine.close();
        assertThrows(IllegalStateException.class, () -> machine.attach(new ItsGicProvider()));
    }

    @Test
    void close_while_detached_ends_the_paused_threads() throws Exception {
        machine.attach(new DirectLpiGicProvider());
        machine.detach();
        assertFalse(hostThreads().isEmpty());
        machine.close();
        assertEquals(List.of(), hostThreads());
    }

    @Test
    void a_machine_never_attached_starts_no_thread() {
        assertEquals(List.of(), hostThreads());
        assertEquals("none", machine.lpiMode());
        assertEquals(List.of(0L, 0L, 0L, 0L), machine.stats().takenPerCpu());
    }

    // ---------------------------------------------------------------------------------------------

    private static GicProvider provider(String mode) {
        return mode.equals(GicProvider.LPI_ITS) ? new ItsGicProvider() : new DirectLpiGicProvider();
    }

    private Verdict assertOk(Verdict v) {
        assertTrue(v.ok(), () -> "verdict: " + v);
        assertEquals(0, v.lost());
        assertEquals(0, v.doubled());
        for (int d = 0; d < CONFIG.devices(); d++) {
            assertEquals(0, machine.device(d).undelivered(), "MSIs of device " + d + " to no doorbell");
        }
        return v;
    }

    /** The guest masks every interrupt on {@code cpu} (ICC_PMR_EL1 = 0), so they stay pending. */
    private void mask(int cpu) {
        machine.gic().orElseThrow().cpu(cpu).write(IccRegister.PMR, 0);
    }

    private void unmask(int cpu) {
        machine.gic().orElseThrow().cpu(cpu).write(IccRegister.PMR, GuestDriver.DEFAULT_PMR);
    }

    private List<Integer> pendingLpis(int cpu) {
        return PendingState.of(machine.gic().orElseThrow().snapshot()).lpis().get(cpu);
    }

    private Map<Integer, Long> takenPerLpi() {
        Map<Integer, Long> m = new HashMap<>();
        for (int d = 0; d < CONFIG.devices(); d++) {
            for (int v = 0; v < CONFIG.vectorsPerDevice(); v++) {
                m.put(CONFIG.lpi(d, v), machine.taken(-1, CONFIG.lpi(d, v)));
            }
        }
        return m;
    }

    private static List<String> hostThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("gic-host-")) {
                names.add(t.getName());
            }
        }
        return names;
    }

    private static GicSnapshot someSnapshot(GicConfig config) {
        try (Gic g = new DirectLpiGicProvider().create(config, mock(GicHost.class))) {
            return g.snapshot();
        }
    }

    /** {@code real}, but every GIC it makes drops the MSIs of one (DeviceID, EventID). */
    private static GicProvider droppingMsis(GicProvider real, int deviceId, long eventId) {
        return wrapping(real, gic -> (Gic) Proxy.newProxyInstance(Gic.class.getClassLoader(), new Class<?>[] {Gic.class},
            (proxy, method, args) -> {
                if (method.getName().equals("msi") && (int) args[3] == deviceId && (long) args[2] == eventId) {
                    return true; // accepted, and lost
                }
                try {
                    return method.invoke(gic, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }), s -> s);
    }

    /** {@code gic}, but once {@code armed}, CPU {@code cpu}'s ICC_IAR1_EL1 reads throw an Error. */
    private static Gic failingAcknowledge(Gic gic, int cpu, AtomicBoolean armed) {
        return (Gic) Proxy.newProxyInstance(Gic.class.getClassLoader(), new Class<?>[] {Gic.class},
            (proxy, method, args) -> {
                Object result = invoke(gic, method, args);
                if (method.getName().equals("cpu") && (int) args[0] == cpu) {
                    CpuInterface real = (CpuInterface) result;
                    return Proxy.newProxyInstance(CpuInterface.class.getClassLoader(),
                        new Class<?>[] {CpuInterface.class}, (p, m, a) -> {
                            if (armed.get() && m.getName().equals("read") && a[0] == IccRegister.IAR1) {
                                throw new NoClassDefFoundError("gic/core/Gone");
                            }
                            return invoke(real, m, a);
                        });
                }
                return result;
            });
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** {@code real}, but a restore forgets every pending LPI of the snapshot. */
    private static GicProvider forgettingPendingLpis(GicProvider real) {
        return wrapping(real, g -> g, s -> new GicSnapshot(s.formatVersion(), s.lpiMode(), s.config(), s.distributor(),
            s.redistributors().stream().map(r -> new RedistributorState(r.ctlr(), r.waker(), r.propbaser(),
                r.pendbaser(), r.sgiPpi(), Longs.EMPTY, r.cpu())).toList(), s.itses()));
    }

    private static GicProvider wrapping(GicProvider real, java.util.function.UnaryOperator<Gic> gics,
                                        java.util.function.UnaryOperator<GicSnapshot> snapshots) {
        return new GicProvider() {
            @Override
            public String lpiMode() {
                return real.lpiMode();
            }

            @Override
            public Gic create(GicConfig config, GicHost host) {
                return gics.apply(real.create(config, host));
            }

            @Override
            public Gic restore(GicSnapshot snapshot, GicHost host) {
                return gics.apply(real.restore(snapshots.apply(snapshot), host));
            }
        };
    }
}
