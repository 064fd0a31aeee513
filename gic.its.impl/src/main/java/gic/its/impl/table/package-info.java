/**
 * The ITS's tables in guest memory: the geometry a GITS_BASER describes (flat or two-level, 4, 16 or
 * 64 KiB pages), the 8-byte entry formats (device table entry, collection table entry, interrupt
 * translation entry), and reads and writes through {@link gic.api.GuestMemory} whose failures are
 * values: "out of range" (the ID lies outside the table, or its level-1 descriptor is invalid) is
 * distinct from "memory fault" (the access left guest RAM).
 *
 * <p>IMPDEF: IHI 0069 leaves the device, collection and ITT entry formats IMPLEMENTATION DEFINED; we use
 * the KVM ITS table ABI revision 0 (8-byte entries: GITS_BASER.Entry_Size and GITS_TYPER.ITT_entry_size
 * read 7), except that the collection table is indexed by ICID rather than packed (see
 * {@link gic.its.impl.table.Cte}).
 */
package gic.its.impl.table;
