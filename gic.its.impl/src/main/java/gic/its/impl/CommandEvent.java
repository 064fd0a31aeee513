package gic.its.impl;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event: one ITS command executed. Created only while the event is enabled ({@link ItsEvents}). */
@Name("gic.its.Command")
@Label("ITS Command")
@Category({"GIC", "ITS"})
@Description("An ITS command processed from the command queue")
@StackTrace(false)
public final class CommandEvent extends jdk.jfr.Event {
    @Label("ITS")
    int its;
    @Label("Command")
    String opcode;
    @Label("DeviceID")
    long deviceId;
    @Label("EventID")
    long eventId;
    @Label("ICID")
    int icid;
    @Label("pINTID")
    long pintid;
    @Label("RDbase")
    long rdbase;
    @Label("Result")
    @Description("done, error or stall")
    String result;
    @Label("Error Code")
    int errorCode;
}
