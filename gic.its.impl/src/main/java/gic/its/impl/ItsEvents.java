package gic.its.impl;

import gic.its.impl.command.Command;
import gic.its.impl.command.Result;
import jdk.jfr.EventType;

/**
 * Emits the ITS's JFR events, creating an event object only while a recording enables that event type.
 * If JFR is unavailable in this JVM, no event is ever created.
 */
final class ItsEvents {

    private static final EventType COMMAND = typeOf(CommandEvent.class);
    private static final EventType DROPPED = typeOf(DroppedTranslationEvent.class);

    private ItsEvents() {
    }

    private static EventType typeOf(Class<? extends jdk.jfr.Event> c) {
        try {
            return EventType.getEventType(c);
        } catch (RuntimeException | LinkageError | InternalError e) { // a JVM without JFR
            return null;
        }
    }

    static void command(int its, Command c, Result r) {
        if (COMMAND == null || !COMMAND.isEnabled()) {
            return;
        }
        CommandEvent e = new CommandEvent();
        e.its = its;
        e.opcode = c.mnemonic();
        e.deviceId = c.deviceId();
        e.eventId = c.eventId();
        e.icid = c.icid();
        e.pintid = c.pintid();
        e.rdbase = c.rdbase();
        if (r instanceof Result.Error err) {
            e.result = "error";
            e.errorCode = err.code();
        } else {
            e.result = r instanceof Result.Stall ? "stall" : "done";
        }
        e.commit();
    }

    static void dropped(int its, long deviceId, long eventId, DropReason reason) {
        if (DROPPED == null || !DROPPED.isEnabled()) {
            return;
        }
        DroppedTranslationEvent e = new DroppedTranslationEvent();
        e.its = its;
        e.deviceId = deviceId;
        e.eventId = eventId;
        e.reason = reason.counterName();
        e.commit();
    }
}
