package gic.its.impl;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event: an MSI that set no LPI pending. Created only while the event is enabled ({@link ItsEvents}). */
@Name("gic.its.DroppedTranslation")
@Label("ITS Dropped Translation")
@Category({"GIC", "ITS"})
@Description("A GITS_TRANSLATER write that was dropped")
@StackTrace(false)
public final class DroppedTranslationEvent extends jdk.jfr.Event {
    @Label("ITS")
    int its;
    @Label("DeviceID")
    long deviceId;
    @Label("EventID")
    long eventId;
    @Label("Reason")
    String reason;
}
