package gic.its.impl.command;

import static gic.its.impl.command.CommandField.DEVICE_ID;
import static gic.its.impl.command.CommandField.EVENT_ID;
import static gic.its.impl.command.CommandField.ICID;
import static gic.its.impl.command.CommandField.ITT_ADDR;
import static gic.its.impl.command.CommandField.OPCODE;
import static gic.its.impl.command.CommandField.PINTID;
import static gic.its.impl.command.CommandField.RDBASE;
import static gic.its.impl.command.CommandField.RDBASE2;
import static gic.its.impl.command.CommandField.SIZE;
import static gic.its.impl.command.CommandField.VALID;

/**
 * One decoded ITS command (32 bytes: four little-endian doublewords, opcode in DW0[7:0]). RES0 bits are
 * ignored. IDs are unsigned values of their fields, held in {@code long}s.
 *
 * <p>The accessors {@link #deviceId()}, {@link #eventId()}, {@link #icid()}, {@link #pintid()} and
 * {@link #rdbase()} give -1 where a command has no such field (for logs and JFR events).
 */
public sealed interface Command {

    /** The physical commands, each with its command number (DW0[7:0]), declared once. */
    enum Opcode {
        MOVI(0x01), INT(0x03), CLEAR(0x04), SYNC(0x05), MAPD(0x08), MAPC(0x09), MAPTI(0x0A), MAPI(0x0B), INV(0x0C),
        INVALL(0x0D), MOVALL(0x0E), DISCARD(0x0F);

        private final int code;

        Opcode(int code) {
            this.code = code;
        }

        private static final Opcode[] BY_CODE = new Opcode[16];

        static {
            for (Opcode o : values()) {
                BY_CODE[o.code] = o;
            }
        }

        public int code() {
            return code;
        }

        /** The physical command numbered {@code code}, or {@code null} if none is. */
        public static Opcode of(int code) {
            return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        }
    }

    /** Which physical command this is; {@code null} for {@link Unknown}. */
    Opcode op();

    /** The command number (DW0[7:0]). */
    default int opcode() {
        return op().code();
    }

    /** The command's name, as in IHI 0069 ({@code MAPTI}); {@code UNKNOWN} for an unknown opcode. */
    default String mnemonic() {
        return op().name();
    }

    /** The middle byte of this command's 24-bit error codes (0x01 ‖ byte ‖ cause). */
    default int errorByte() {
        return opcode();
    }

    default long deviceId() {
        return -1;
    }

    default long eventId() {
        return -1;
    }

    default int icid() {
        return -1;
    }

    default long pintid() {
        return -1;
    }

    default long rdbase() {
        return -1;
    }

    /** Decodes the command in doublewords {@code dw[0..3]}. */
    static Command decode(long[] dw) {
        int code = OPCODE.getInt(dw);
        Opcode op = Opcode.of(code);
        if (op == null) {
            return new Unknown(code);
        }
        return switch (op) {
            case MOVI -> new Movi(DEVICE_ID.get(dw), EVENT_ID.get(dw), ICID.getInt(dw));
            case INT -> new Int(DEVICE_ID.get(dw), EVENT_ID.get(dw));
            case CLEAR -> new Clear(DEVICE_ID.get(dw), EVENT_ID.get(dw));
            case SYNC -> new Sync(RDBASE.get(dw));
            case MAPD -> new Mapd(DEVICE_ID.get(dw), SIZE.getInt(dw), ITT_ADDR.get(dw) << 8, VALID.isSet(dw));
            case MAPC -> new Mapc(ICID.getInt(dw), RDBASE.get(dw), VALID.isSet(dw));
            case MAPTI -> new Mapti(DEVICE_ID.get(dw), EVENT_ID.get(dw), PINTID.get(dw), ICID.getInt(dw));
            case MAPI -> new Mapi(DEVICE_ID.get(dw), EVENT_ID.get(dw), ICID.getInt(dw));
            case INV -> new Inv(DEVICE_ID.get(dw), EVENT_ID.get(dw));
            case INVALL -> new Invall(ICID.getInt(dw));
            case MOVALL -> new Movall(RDBASE.get(dw), RDBASE2.get(dw));
            case DISCARD -> new Discard(DEVICE_ID.get(dw), EVENT_ID.get(dw));
        };
    }

    /** MOVI: route event {@code eventId} of {@code deviceId} through collection {@code icid} instead. */
    record Movi(long deviceId, long eventId, int icid) implements Command {
        public Opcode op() {
            return Opcode.MOVI;
        }
    }

    /** INT: make the event's LPI pending, as a GITS_TRANSLATER write would. */
    record Int(long deviceId, long eventId) implements Command {
        public Opcode op() {
            return Opcode.INT;
        }
    }

    /** CLEAR: remove the event's LPI's pending state. */
    record Clear(long deviceId, long eventId) implements Command {
        public Opcode op() {
            return Opcode.CLEAR;
        }

        /**
         * 0x05, not CLEAR's opcode 0x04: the error codes Linux, QNX and L4Re define for CLEAR
         * (E_ITS_CLEAR_UNMAPPED_INTERRUPT 0x010507...) all carry 0x05.
         */
        @Override
        public int errorByte() {
            return 0x05;
        }
    }

    /** SYNC: complete earlier operations for the redistributor {@code rdbase} names. */
    record Sync(long rdbase) implements Command {
        public Opcode op() {
            return Opcode.SYNC;
        }
    }

    /**
     * MAPD: map ({@code valid}) or unmap device {@code deviceId}, with an ITT of {@code 2^(size+1)}
     * entries at {@code ittAddress} (PA[51:8] of the command, 256-byte aligned).
     */
    record Mapd(long deviceId, int size, long ittAddress, boolean valid) implements Command {
        public Opcode op() {
            return Opcode.MAPD;
        }
    }

    /** MAPC: map ({@code valid}) or unmap collection {@code icid} to the redistributor {@code rdbase} names. */
    record Mapc(int icid, long rdbase, boolean valid) implements Command {
        public Opcode op() {
            return Opcode.MAPC;
        }
    }

    /** MAPTI: map event {@code eventId} of {@code deviceId} to LPI {@code pintid} through collection {@code icid}. */
    record Mapti(long deviceId, long eventId, long pintid, int icid) implements Command {
        public Opcode op() {
            return Opcode.MAPTI;
        }
    }

    /** MAPI: MAPTI with pINTID = EventID. */
    record Mapi(long deviceId, long eventId, int icid) implements Command {
        public Opcode op() {
            return Opcode.MAPI;
        }

        @Override
        public long pintid() {
            return eventId;
        }
    }

    /** INV: re-read the event's LPI configuration. */
    record Inv(long deviceId, long eventId) implements Command {
        public Opcode op() {
            return Opcode.INV;
        }
    }

    /** INVALL: re-read the configuration of every LPI of the collection's redistributor. */
    record Invall(int icid) implements Command {
        public Opcode op() {
            return Opcode.INVALL;
        }
    }

    /** MOVALL: move every LPI pending at redistributor {@code rdbase1} to {@code rdbase2}. */
    record Movall(long rdbase1, long rdbase2) implements Command {
        public Opcode op() {
            return Opcode.MOVALL;
        }

        @Override
        public long rdbase() {
            return rdbase1;
        }
    }

    /** DISCARD: unmap the event and remove its LPI's pending state. */
    record Discard(long deviceId, long eventId) implements Command {
        public Opcode op() {
            return Opcode.DISCARD;
        }
    }

    /** Any other opcode: undefined, or a GICv4 virtual command this GICv3 ITS does not implement. */
    record Unknown(int opcode) implements Command {
        public Opcode op() {
            return null;
        }

        public String mnemonic() {
            return "UNKNOWN";
        }
    }
}
