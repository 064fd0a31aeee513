package gic.its.impl.command;

import gic.core.reg.Field;

/**
 * A field of an ITS command: a {@link Field} of one of its four little-endian doublewords DW0..DW3
 * (IHI 0069 ITS command descriptions; positions as ITS.md §3.2). Every command field is declared here,
 * once; commands decode by name.
 *
 * @param doubleword 0..3
 * @param field      name, position and width within that doubleword
 */
public record CommandField(int doubleword, Field field) {

    /** DW0[7:0]: the command number. */
    public static final CommandField OPCODE = of(0, "Opcode", 0, 8);
    /** DW0[63:32]: DeviceID (MAPD, MAPTI, MAPI, MOVI, INT, CLEAR, INV, DISCARD). */
    public static final CommandField DEVICE_ID = of(0, "DeviceID", 32, 32);
    /** DW1[31:0]: EventID. */
    public static final CommandField EVENT_ID = of(1, "EventID", 0, 32);
    /** DW1[63:32]: pINTID (MAPTI). */
    public static final CommandField PINTID = of(1, "pINTID", 32, 32);
    /** DW1[4:0]: Size = EventID bits - 1 (MAPD). */
    public static final CommandField SIZE = of(1, "Size", 0, 5);
    /** DW2[51:8]: ITT_addr = ITT PA[51:8] (MAPD). */
    public static final CommandField ITT_ADDR = of(2, "ITT_addr", 8, 44);
    /** DW2[63]: V (MAPD, MAPC). */
    public static final CommandField VALID = of(2, "V", 63, 1);
    /** DW2[15:0]: ICID (MAPC, MAPTI, MAPI, MOVI, INVALL). */
    public static final CommandField ICID = of(2, "ICID", 0, 16);
    /**
     * DW2[51:16]: RDbase (MAPC, SYNC; RDbase1 of MOVALL). The field value is a processor number with
     * GITS_TYPER.PTA = 0, PA[51:16] of the redistributor with PTA = 1.
     */
    public static final CommandField RDBASE = of(2, "RDbase", 16, 36);
    /** DW3[51:16]: RDbase2, the target of MOVALL. */
    public static final CommandField RDBASE2 = of(3, "RDbase2", 16, 36);

    private static CommandField of(int doubleword, String name, int shift, int width) {
        return new CommandField(doubleword, new Field(name, shift, width));
    }

    /** The field's value in the command {@code dw} (four doublewords). */
    public long get(long[] dw) {
        return field.get(dw[doubleword]);
    }

    public int getInt(long[] dw) {
        return field.getInt(dw[doubleword]);
    }

    public boolean isSet(long[] dw) {
        return field.isSet(dw[doubleword]);
    }

    /** Deposits {@code value} into the command {@code dw} (tests and tools build commands with it). */
    public void put(long[] dw, long value) {
        dw[doubleword] = field.set(dw[doubleword], value);
    }
}
