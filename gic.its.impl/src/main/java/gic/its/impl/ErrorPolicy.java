package gic.its.impl;

import java.util.Locale;

/**
 * What an ITS does when a command fails its checks. IHI 0069 makes it a CONSTRAINED UNPREDICTABLE choice
 * between ignoring the command, stalling the queue, and treating the data as valid; we offer the first
 * two. IMPDEF: whatever the policy, a guest memory fault while reading a command, a table entry or a
 * level-1 descriptor stalls the queue.
 */
public enum ErrorPolicy {

    /** The error is recorded (counter, guest-error log, {@link Its#lastError()}) and the queue moves on (as QEMU and KVM). */
    SKIP,

    /**
     * The queue stops at the failing command: GITS_CREADR.Stalled = 1 and GITS_CREADR keeps pointing at
     * it. A write of GITS_CWRITER with Retry (bit 0) = 1 clears Stalled and executes that command again.
     */
    STALL;

    /** {@code "skip"} or {@code "stall"}, any case, surrounding blanks ignored. */
    public static ErrorPolicy parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "skip" -> SKIP;
            case "stall" -> STALL;
            default -> throw new IllegalArgumentException("error policy must be \"skip\" or \"stall\", not \"" + text + "\"");
        };
    }
}
