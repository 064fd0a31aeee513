package gic.host.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import gic.api.GicProvider;
import gic.host.machine.Machine;
import gic.host.machine.MachineConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * Which provider the machine runs on as SCR binds and unbinds providers and the configuration changes, with
 * the machine mocked: the calls it receives (attach, swapTo, detach, close) are the behaviour.
 */
class HostComponentTest {

    private final List<MachineConfig> built = new ArrayList<>();
    private final List<Machine> machines = new ArrayList<>();
    private final GicProvider its = provider("its");
    private final GicProvider its2 = provider("its");
    private final GicProvider direct = provider("directlpi");
    private final Bundle framework = mock(Bundle.class);
    private final BundleContext context = mock(BundleContext.class);
    private HostComponent host;

    @BeforeEach
    void setUp() {
        when(context.getBundle(Constants.SYSTEM_BUNDLE_ID)).thenReturn(framework);
        when(framework.getState()).thenReturn(Bundle.ACTIVE);
        host = new HostComponent(shape -> {
            built.add(shape);
            Machine m = mock(Machine.class);
            machines.add(m);
            return m;
        }, new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void the_machine_starts_on_the_preferred_provider_bound_before_activation() {
        host.bindLpi(its);
        host.addProvider(its);
        host.addProvider(direct);
        host.activate(config(Map.of()), context);

        verify(machine()).attach(its);
        assertEquals(List.of(MachineConfig.defaults()), built, "one machine of the default shape");
    }

    @Test
    void a_fresh_machine_waits_for_the_preferred_provider_rather_than_start_on_a_fallback() {
        host.activate(config(Map.of()), context);
        host.addProvider(direct);
        verify(machine(), never()).attach(any());

        host.addProvider(its);
        host.bindLpi(its);
        verify(machine()).attach(its);
        verify(machine(), never()).swapTo(any());
    }

    @Test
    void losing_the_preferred_provider_swaps_to_the_fallback_and_back_when_it_returns() {
        running(its, direct);

        host.unbindLpi(its); // SCR may call either reference first while its service unregisters
        host.removeProvider(its);
        host.addProvider(its2);
        host.bindLpi(its2);

        InOrder order = inOrder(machine());
        order.verify(machine()).attach(its);
        order.verify(machine()).swapTo(direct);
        order.verify(machine()).swapTo(its2);
        verify(machine(), never()).detach();
    }

    @Test
    void losing_the_preferred_provider_swaps_once_whichever_reference_is_unbound_first() {
        running(its, direct);

        host.removeProvider(its);
        host.unbindLpi(its);

        verify(machine()).swapTo(direct);
        verify(machine(), never()).detach();
    }

    @Test
    void a_new_target_bound_before_the_old_one_is_unbound_swaps_once() {
        running(its, direct);

        host.bindLpi(direct); // lpi.target changed: SCR binds the new match, then unbinds the old one
        host.unbindLpi(its);

        verify(machine()).swapTo(direct);
        verify(machine(), never()).detach();
    }

    @Test
    void without_fallback_losing_the_preferred_provider_pauses_and_its_return_restores_the_snapshot() {
        host.bindLpi(its);
        host.addProvider(its);
        host.addProvider(direct);
        host.activate(config(Map.of("fallback", false)), context);

        host.unbindLpi(its);
        host.removeProvider(its);
        host.addProvider(its2);
        host.bindLpi(its2);

        InOrder order = inOrder(machine());
        order.verify(machine()).attach(its);
        order.verify(machine()).detach();
        order.verify(machine()).attach(its2);
        verify(machine(), never()).swapTo(any());
    }

    @Test
    void with_no_other_provider_losing_the_preferred_one_pauses() {
        running(its);

        host.unbindLpi(its);
        host.removeProvider(its);

        verify(machine()).detach();
    }

    @Test
    void while_the_framework_stops_losing_the_provider_pauses_instead_of_swapping() {
        running(its, direct);
        when(framework.getState()).thenReturn(Bundle.STOPPING);

        host.unbindLpi(its);
        host.removeProvider(its);

        verify(machine()).detach();
        verify(machine(), never()).swapTo(any());
    }

    @Test
    void a_change_of_the_machine_shape_builds_a_new_machine_on_the_same_provider() {
        running(its, direct);
        Machine first = machine();

        host.modified(config(Map.of("cpus", 2)));

        verify(first).close();
        assertEquals(2, built.size(), "machines built");
        assertEquals(2, built.get(1).cpus(), "vCPUs of the new machine");
        verify(machine()).attach(its);
    }

    @Test
    void a_change_of_other_settings_keeps_the_machine() {
        running(its, direct);

        host.modified(config(Map.of("report_seconds", 0, "fallback", false)));

        assertEquals(1, built.size(), "machines built");
        verify(machine(), never()).close();
    }

    @Test
    void deactivation_closes_the_machine() {
        running(its);
        host.deactivate();
        verify(machine()).close();
        assertEquals("none", host.lpiMode());
    }

    @Test
    void a_provider_that_fails_to_restore_leaves_the_machine_on_its_gic_and_a_later_change_retries() {
        running(its, direct, its2);
        doThrow(new IllegalArgumentException("bad snapshot")).when(machine()).swapTo(direct);

        host.bindLpi(direct); // swap fails: logged, not thrown into SCR
        host.unbindLpi(its);
        host.bindLpi(its2);

        InOrder order = inOrder(machine());
        order.verify(machine()).swapTo(direct);
        order.verify(machine()).swapTo(its2);
        verify(machine(), never()).detach();
    }

    @Test
    void when_the_swap_away_from_a_departing_provider_fails_the_machine_pauses() {
        running(its, direct);
        doThrow(new IllegalArgumentException("bad snapshot")).when(machine()).swapTo(direct);

        host.unbindLpi(its);
        host.removeProvider(its);

        verify(machine()).detach();
    }

    @Test
    void a_shape_the_machine_rejects_is_replaced_by_the_defaults() {
        host.activate(config(Map.of("cpus", 0)), context);
        assertEquals(List.of(MachineConfig.defaults()), built);
    }

    /** Activated with default settings, bound to {@code preferred}, all {@code providers} registered. */
    private void running(GicProvider preferred, GicProvider... others) {
        host.bindLpi(preferred);
        host.addProvider(preferred);
        for (GicProvider p : others) {
            host.addProvider(p);
        }
        host.activate(config(Map.of()), context);
        verify(machine()).attach(preferred);
    }

    private Machine machine() {
        return machines.get(machines.size() - 1);
    }

    /** The Config annotation with its defaults, except {@code values} (by method name). */
    static HostComponent.Config config(Map<String, Object> values) {
        return mock(HostComponent.Config.class, invocation -> {
            String name = invocation.getMethod().getName();
            return values.containsKey(name) ? values.get(name) : invocation.getMethod().getDefaultValue();
        });
    }

    private static GicProvider provider(String mode) {
        GicProvider p = mock(GicProvider.class);
        when(p.lpiMode()).thenReturn(mode);
        return p;
    }
}
