package gic.host.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import gic.api.Gic;
import gic.api.GicConfig;
import gic.api.GicSnapshot;
import gic.api.GicSnapshot.RedistributorState;
import gic.api.Longs;
import gic.core.TestHost;
import gic.directlpi.impl.DirectLpiGicProvider;
import gic.host.HostStats;
import gic.host.ReferenceHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.ArgumentCaptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The text of the gic:* commands and what they ask of the host and Config Admin, with both mocked. */
class GicCommandsTest {

    private final ReferenceHost host = mock(ReferenceHost.class);
    private final ConfigurationAdmin cm = mock(ConfigurationAdmin.class);
    private final Configuration configuration = mock(Configuration.class);
    private final GicCommands commands = new GicCommands(host, cm, mock(BundleContext.class));

    @TempDir
    Path dir;

    @Test
    void status_shows_provider_cpus_msi_rate_and_interrupts_taken_per_cpu() {
        when(host.stats()).thenReturn(new HostStats("its", 2, 2000, 50_000, 24_000.4, List.of(300L, 500L), 3, 12));

        String status = commands.status();

        assertTrue(status.contains("provider  its\n"), status);
        assertTrue(status.contains("vCPUs     2\n"), status);
        assertTrue(status.contains("MSIs      50000 (24000/s)\n"), status);
        assertTrue(status.contains("taken     800: cpu0 300 (150/s), cpu1 500 (250/s)\n"), status);
        assertTrue(status.contains("swaps     3 (paused 12 ms in all)\n"), status);
    }

    @Test
    void swap_sets_lpi_target_through_config_admin_keeping_other_settings_and_waits_for_the_host() throws Exception {
        Dictionary<String, Object> existing = new Hashtable<>(Map.of("cpus", 2));
        when(cm.getConfiguration(ReferenceHost.PID, "?")).thenReturn(configuration);
        when(configuration.getProperties()).thenReturn(existing);
        when(host.lpiMode()).thenReturn("its", "its", "directlpi");

        String result = commands.swap("directlpi");

        assertTrue(result.startsWith("swapped its -> directlpi in "), result);
        @SuppressWarnings("unchecked")
        ArgumentCaptor<Dictionary<String, ?>> update = ArgumentCaptor.forClass(Dictionary.class);
        verify(configuration).update(update.capture());
        assertEquals("(gic.lpi=directlpi)", update.getValue().get("lpi.target"));
        assertEquals(2, update.getValue().get("cpus"));
    }

    @Test
    void swap_to_an_unknown_provider_fails_before_touching_the_configuration() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> commands.swap("gicv2"));
        assertEquals("provider must be its or directlpi, not 'gicv2'", e.getMessage());
        verify(cm, never()).getConfiguration(any(), any());
    }

    @Test
    void snapshot_save_writes_the_snapshot_encoding_and_load_gives_the_host_an_equal_snapshot() throws Exception {
        GicSnapshot s = snapshotWithPending(List.of(8192L, 8200L), List.of());
        when(host.snapshot()).thenReturn(Optional.of(s));
        when(host.lpiMode()).thenReturn("directlpi");
        Path file = dir.resolve("s.gics");

        String saved = commands.snapshot("save", file.toString());
        assertEquals("saved the directlpi GIC's snapshot to " + file + " (" + s.toBytes().length
            + " bytes, 2 pending LPIs)", saved);
        assertEquals(s, GicSnapshot.fromBytes(Files.readAllBytes(file)));

        String loaded = commands.snapshot("load", file.toString());
        assertEquals("loaded " + file + " (taken by directlpi, 2 pending LPIs) into the directlpi GIC", loaded);
        verify(host).load(s);
    }

    @Test
    void snapshot_load_of_bytes_that_are_no_snapshot_fails_without_touching_the_host() throws Exception {
        Path file = dir.resolve("junk");
        Files.writeString(file, "junk");
        assertThrows(IllegalArgumentException.class, () -> commands.snapshot("load", file.toString()));
        verify(host, never()).load(any());
    }

    @Test
    void snapshot_with_another_action_is_a_usage_error() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> commands.snapshot("copy", dir.resolve("x").toString()));
        assertEquals("usage: gic:snapshot save|load FILE", e.getMessage());
    }

    @Test
    void lpis_lists_each_cpus_pending_lpis() {
        when(host.snapshot()).thenReturn(Optional.of(snapshotWithPending(List.of(8192L, 8200L), List.of())));

        String lpis = commands.lpis();

        assertTrue(lpis.startsWith("provider directlpi, LPI ID bits "), lpis);
        assertTrue(lpis.contains("cpu0 EnableLPIs=1 PROPBASER=0x40000000 PENDBASER=0x40010000 pending=2 [8192 8200]\n"),
            lpis);
        assertTrue(lpis.contains("cpu1 EnableLPIs=1 PROPBASER=0x40000000 PENDBASER=0x40010000 pending=0\n"), lpis);
    }

    @Test
    void lpis_lists_at_most_32_pending_lpis_per_cpu_and_says_there_are_more() {
        List<Long> many = new ArrayList<>();
        for (long i = 0; i < 40; i++) {
            many.add(8192 + i);
        }
        when(host.snapshot()).thenReturn(Optional.of(snapshotWithPending(many, List.of())));

        String lpis = commands.lpis();

        assertTrue(lpis.contains("pending=40 [8192 8193 "), lpis);
        assertTrue(lpis.contains(" 8223 ...]\n"), lpis);
    }

    @Test
    void commands_needing_a_gic_say_so_while_none_is_bound() {
        when(host.snapshot()).thenReturn(Optional.empty());
        when(host.gic()).thenReturn(Optional.empty());
        for (Runnable c : List.<Runnable>of(commands::lpis, commands::its, commands::stats)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, c::run);
            assertEquals("no GIC provider is bound", e.getMessage());
        }
    }

    @Test
    void stats_lists_the_gics_counters_by_name() {
        Gic gic = mock(Gic.class);
        when(gic.counters()).thenReturn(Map.of("b.second", 2L, "a.first", 1L));
        when(host.gic()).thenReturn(Optional.of(gic));

        assertEquals("a.first = 1\nb.second = 2\n", commands.stats());
    }

    @Test
    void its_on_a_directlpi_gic_says_no_its_is_in_use_and_dumps_what_the_provider_has() {
        Gic gic = mock(Gic.class);
        when(gic.lpiMode()).thenReturn("directlpi");
        when(gic.diagnostics()).thenReturn("DirectLPI: 2 redistributors");
        when(host.gic()).thenReturn(Optional.of(gic));

        assertEquals("provider directlpi has no ITS in use (its registers are carried in snapshots)\n"
            + "DirectLPI: 2 redistributors\n", commands.its());
    }

    /** A real two-CPU DirectLPI GIC's snapshot with LPIs enabled and the given pending LPIs per CPU. */
    static GicSnapshot snapshotWithPending(List<Long> cpu0, List<Long> cpu1) {
        Gic gic = new DirectLpiGicProvider().create(GicConfig.virt(2), TestHost.lenient(0x4000_0000L, 1 << 20));
        GicSnapshot s = gic.snapshot();
        gic.close();
        List<RedistributorState> rds = new ArrayList<>();
        for (int cpu = 0; cpu < 2; cpu++) {
            RedistributorState r = s.redistributors().get(cpu);
            long[] pending = (cpu == 0 ? cpu0 : cpu1).stream().mapToLong(Long::longValue).toArray();
            rds.add(new RedistributorState(1, r.waker(), 0x4000_0000L, 0x4001_0000L, r.sgiPpi(), Longs.of(pending),
                r.cpu()));
        }
        return new GicSnapshot(s.formatVersion(), s.lpiMode(), s.config(), s.distributor(), rds, s.itses());
    }
}
