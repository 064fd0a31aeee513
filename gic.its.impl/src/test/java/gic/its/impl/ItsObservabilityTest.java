package gic.its.impl;

import static gic.its.impl.ItsDriver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.core.GicCore;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees of an ITS: JFR events per command and per dropped MSI, and the diagnostics dump. */
class ItsObservabilityTest {

    private static final int DEV = 5;
    private static final int LPI = 8300;

    private GicCore gic;

    @AfterEach
    void close() {
        if (gic != null) {
            gic.close();
        }
    }

    private ItsDriver start() {
        gic = machine(2).lenient().create(new ItsGicProvider());
        return new ItsDriver(gic, 0).bringUp();
    }

    @Test
    void each_command_and_each_dropped_msi_is_a_jfr_event_with_its_decoded_fields(@TempDir Path dir) throws Exception {
        ItsDriver its = start();
        Path file = dir.resolve("its.jfr");
        try (Recording r = new Recording()) {
            r.enable("gic.its.Command");
            r.enable("gic.its.DroppedTranslation");
            r.start();
            its.mapDevice(DEV, 3);
            its.post(mapti(DEV, 2, LPI, 1));
            its.post(mapti(DEV, 99, LPI + 1, 1)); // EventID 99 >= 2^4: ID_OOR
            its.msi(DEV, 7); // event 7 is not mapped: dropped
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        RecordedEvent mapti = only(events, "gic.its.Command", e -> e.getString("opcode").equals("MAPTI")
            && e.getLong("eventId") == 2);
        assertEquals(DEV, mapti.getLong("deviceId"));
        assertEquals(LPI, mapti.getLong("pintid"));
        assertEquals(1, mapti.getLong("icid"));
        assertEquals(0, mapti.getInt("its"));
        assertEquals(0, mapti.getInt("errorCode"));

        RecordedEvent failed = only(events, "gic.its.Command", e -> e.getString("opcode").equals("MAPTI")
            && e.getLong("eventId") == 99);
        assertEquals(0x010A05, failed.getInt("errorCode"), "ID_OOR");

        RecordedEvent dropped = only(events, "gic.its.DroppedTranslation", e -> true);
        assertEquals(DEV, dropped.getLong("deviceId"));
        assertEquals(7, dropped.getLong("eventId"));
        assertEquals("event", dropped.getString("reason"));
    }

    @Test
    void diagnostics_lists_registers_collections_devices_events_counters_and_the_last_error() {
        ItsDriver its = start();
        its.mapDevice(DEV, 3);
        its.mapEvent(DEV, 2, LPI, 1);
        its.post(mapti(DEV, 99, LPI + 1, 1)); // ID_OOR
        String d = gic.diagnostics();
        assertTrue(d.contains("ITS0"), d);
        assertTrue(d.contains("GITS_TYPER"), d);
        assertTrue(d.contains("0x010A05"), "last error in the dump:\n" + d);
        assertTrue(d.contains("event 0x2 -> LPI " + LPI), "event 2's LPI in the dump:\n" + d);
        assertTrue(d.contains("collection 0x1 -> processor 1"), d);
        assertTrue(d.contains("commandError.0x010A05=1"), "counters in the dump:\n" + d);
    }

    private static RecordedEvent only(List<RecordedEvent> events, String type,
                                      java.util.function.Predicate<RecordedEvent> p) {
        List<RecordedEvent> m = events.stream().filter(e -> e.getEventType().getName().equals(type)).filter(p).toList();
        assertEquals(1, m.size(), () -> "events " + type + ": " + m);
        return m.get(0);
    }
}
