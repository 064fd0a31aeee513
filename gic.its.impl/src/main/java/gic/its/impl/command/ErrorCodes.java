package gic.its.impl.command;

/**
 * The 24-bit ITS command error codes: {@code 0x01 ‖ command byte ‖ cause} (the pattern of IHI 0069's
 * command error table as the Linux header, QNX and L4Re list it; ITS.md §3.4). Combinations that list
 * lacks follow the same pattern with the command's byte.
 */
public final class ErrorCodes {

    public static final int DEVICE_OOR = 0x01;
    public static final int ITTSIZE_OOR = 0x02;
    public static final int PROCNUM_OOR = 0x02;
    public static final int COLLECTION_OOR = 0x03;
    public static final int UNMAPPED_DEVICE = 0x04;
    public static final int ID_OOR = 0x05;
    public static final int PHYSICALID_OOR = 0x06;
    public static final int UNMAPPED_INTERRUPT = 0x07;
    public static final int UNMAPPED_COLLECTION = 0x09;
    public static final int ITE_INVALID = 0x10;
    /** MOVALL's PROCNUM_OOR is 0x010E01 (E_ITS_MOVALL_PROCNUM_OOR): cause byte 0x01. */
    public static final int MOVALL_PROCNUM_OOR = 0x01;
    /** IMPDEF: an unknown or GICv4 opcode gets 0x01 ‖ opcode ‖ 0xFF. */
    public static final int UNKNOWN_COMMAND = 0xFF;

    private ErrorCodes() {
    }

    /** The code {@code 0x01 ‖ commandByte ‖ cause}. */
    public static int code(int commandByte, int cause) {
        return 0x01_0000 | (commandByte & 0xFF) << 8 | (cause & 0xFF);
    }

    /** The cause's name, for logs. */
    public static String causeName(int code) {
        int cause = code & 0xFF;
        if (((code >>> 8) & 0xFF) == Command.Opcode.MOVALL.code() && cause == MOVALL_PROCNUM_OOR) {
            return "PROCNUM_OOR";
        }
        return switch (cause) {
            case DEVICE_OOR -> "DEVICE_OOR";
            case ITTSIZE_OOR -> ((code >>> 8) & 0xFF) == Command.Opcode.MAPC.code() ? "PROCNUM_OOR" : "ITTSIZE_OOR";
            case COLLECTION_OOR -> "COLLECTION_OOR";
            case UNMAPPED_DEVICE -> "UNMAPPED_DEVICE";
            case ID_OOR -> "ID_OOR";
            case PHYSICALID_OOR -> "PHYSICALID_OOR";
            case UNMAPPED_INTERRUPT -> "UNMAPPED_INTERRUPT";
            case UNMAPPED_COLLECTION -> "UNMAPPED_COLLECTION";
            case ITE_INVALID -> "ITE_INVALID";
            case UNKNOWN_COMMAND -> "UNKNOWN_COMMAND";
            default -> "cause 0x" + Integer.toHexString(cause);
        };
    }

    /** {@code 0x010A04} style, as in counters. */
    public static String hex(int code) {
        return String.format("0x%06X", code);
    }
}
