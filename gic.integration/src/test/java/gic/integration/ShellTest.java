package gic.integration;

import static gic.integration.HostFixture.awaitMode;
import static gic.integration.HostFixture.awaitTraffic;
import static gic.integration.HostFixture.settleOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.GicSnapshot;
import gic.host.ReferenceHost;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/** The gic:* commands through the Gogo command processor, as a shell user types them. */
class ShellTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 5000)
    ReferenceHost host;

    @InjectService(timeout = 5000)
    ConfigurationAdmin cm;

    @InjectService(timeout = 5000)
    CommandProcessor shell;

    @BeforeEach
    @AfterEach
    void defaults() throws Exception {
        HostFixture.reset(cm, host, context);
    }

    @Test
    void snapshot_save_and_load_go_through_a_file_and_the_machine_runs_on() throws Exception {
        Path file = Files.createTempFile("gic-", ".gics");
        try {
            String saved = run("gic:snapshot save " + file);
            assertTrue(saved.startsWith("saved the its GIC's snapshot to " + file), saved);
            GicSnapshot s = GicSnapshot.fromBytes(Files.readAllBytes(file));
            assertEquals("its", s.lpiMode(), "provider recorded in the saved snapshot");
            assertEquals(host.stats().cpus(), s.redistributors().size(), "one redistributor per vCPU");
            assertEquals(1, s.itses().get(0).ctlr() & 1, "the guest driver had enabled the ITS (GITS_CTLR.Enabled)");

            String loaded = run("gic:snapshot load " + file);
            assertTrue(loaded.startsWith("loaded " + file), loaded);
            GicSnapshot after = host.snapshot().orElseThrow();
            assertEquals(s.itses().get(0).baser(), after.itses().get(0).baser(), "GITS_BASERn after the load");
            assertEquals(s.itses().get(0).cbaser(), after.itses().get(0).cbaser(), "GITS_CBASER after the load");
            awaitTraffic(host); // the loaded ITS translates the devices' MSIs through the guest's tables
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void snapshot_load_of_a_file_that_is_not_a_snapshot_fails_and_changes_nothing() throws Exception {
        Path file = Files.createTempFile("gic-", ".txt");
        try {
            Files.writeString(file, "not a snapshot");
            long swaps = host.stats().swaps();
            assertThrows(IllegalArgumentException.class, () -> run("gic:snapshot load " + file));
            assertEquals("its", host.lpiMode());
            assertEquals(swaps, host.stats().swaps());
            awaitTraffic(host);
            settleOk(host);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void swap_status_its_lpis_and_stats_describe_the_running_machine() throws Exception {
        String status = run("gic:status");
        assertTrue(status.contains("provider  its (gic.its.impl "), status);
        assertTrue(status.contains("vCPUs     " + host.stats().cpus()), status);

        assertTrue(run("gic:its").contains("GITS_CTLR"), "gic:its dumps the ITS registers");
        String lpis = run("gic:lpis");
        assertTrue(lpis.contains("cpu0 EnableLPIs=1"), lpis);
        assertTrue(!run("gic:stats").isBlank(), "gic:stats lists the GIC's counters");

        assertTrue(run("gic:swap directlpi").startsWith("swapped its -> directlpi"), "gic:swap directlpi");
        assertEquals("directlpi", host.lpiMode());
        assertTrue(run("gic:status").contains("provider  directlpi (gic.directlpi.impl "));
        assertTrue(run("gic:swap its").startsWith("swapped directlpi -> its"), "gic:swap its");
        awaitMode(host, "its");
        awaitTraffic(host);
        settleOk(host);
    }

    /** Runs one command line in a fresh session; its result as text, or the command's exception. */
    private String run(String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CommandSession session = shell.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
            Object result = session.execute(line);
            return (result == null ? "" : result.toString()) + out;
        }
    }
}
