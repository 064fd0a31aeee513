package gic.its.impl.command;

/** MAPI (IHI 0069 "MAPI"): MAPTI with pINTID = EventID; same checks, codes 0x010Bxx. */
public final class MapiHandler implements CommandHandler<Command.Mapi> {

    @Override
    public Result execute(Command.Mapi c, ItsContext its) {
        return MaptiHandler.map(c, c.deviceId(), c.eventId(), c.eventId(), c.icid(), its);
    }
}
