package gic.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What the GIC needs from the host emulator: guest memory and each CPU's interrupt lines.
 *
 * <p>Line callbacks are made only when a line changes level, from whichever thread caused the change
 * (a vCPU thread, a device thread), while the GIC holds the lock of that CPU's redistributor. They must
 * return promptly and must not wait for another thread that is itself calling into the GIC.
 */
@ConsumerType
public interface GicHost {

    /** The guest's physical memory. */
    GuestMemory memory();

    /** Sets the level of CPU {@code cpu}'s IRQ line (Group 1 interrupts are signalled as IRQ). */
    void setIrq(int cpu, boolean asserted);

    /** Sets the level of CPU {@code cpu}'s FIQ line (Group 0 interrupts are signalled as FIQ). */
    void setFiq(int cpu, boolean asserted);

    /**
     * Told of every guest error the GIC detects (an access to a reserved offset, a bad command, a table
     * outside RAM...), after the GIC has given it the architecture's answer. The GIC itself also counts
     * it and logs it, rate-limited. The default does nothing. A test harness may throw from here to run
     * the model in a strict mode where any guest error fails the test.
     *
     * @param block the architectural block, such as {@code GICD} or {@code GICR0}
     * @param message what was wrong
     */
    default void guestError(String block, String message) {
    }
}
