package gic.host.machine;

import gic.api.Gic;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A PCI device with MSI-X: a table of (address, data) per vector that the guest driver programs, and a
 * thread that fires its vectors round-robin at the configured rate. Each MSI is recorded in the ledger,
 * then written as a 32-bit write carrying the device's requester DeviceID. Paused = between two MSIs.
 */
final class MsiDevice extends Worker {

    /** Longest park while waiting for the next MSI's time. */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** A device that fell further behind than this (the machine was starved) drops the backlog. */
    private static final long MAX_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final int deviceId;
    private final int firstLpi;
    private final Ledger ledger;
    private final long intervalNanos;
    // The MSI-X table: written by the guest driver only while the device is paused or not started.
    private final long[] address;
    private final long[] data;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong undelivered = new AtomicLong();
    private int cursor;
    private long next = System.nanoTime();

    MsiDevice(MachineConfig config, int index, Ledger ledger) {
        super("gic-host-msi-dev-" + index);
        this.deviceId = config.deviceId(index);
        this.firstLpi = config.lpi(index, 0);
        this.ledger = ledger;
        int rate = config.msiRatePerDevice();
        this.intervalNanos = rate == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / rate;
        this.address = new long[config.vectorsPerDevice()];
        this.data = new long[config.vectorsPerDevice()];
    }

    int deviceId() {
        return deviceId;
    }

    int vectors() {
        return address.length;
    }

    /** The guest writes MSI-X table entry {@code vector}: message address and data. */
    void program(int vector, long messageAddress, long messageData) {
        address[vector] = messageAddress;
        data[vector] = messageData;
    }

    long address(int vector) {
        return address[vector];
    }

    long data(int vector) {
        return data[vector];
    }

    /** MSIs written. */
    long sent() {
        return sent.get();
    }

    /** MSIs whose address was no doorbell of the GIC. */
    long undelivered() {
        return undelivered.get();
    }

    @Override
    protected void resumed() {
        next = System.nanoTime(); // no burst to catch up on the time spent paused
    }

    @Override
    protected void step() {
        Gic g = gic;
        if (g == null) {
            LockSupport.parkNanos(MAX_PARK_NANOS);
            return;
        }
        if (intervalNanos > 0) {
            long now = System.nanoTime();
            long wait = next - now;
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, MAX_PARK_NANOS));
                return;
            }
            next = Math.max(next + intervalNanos, now - MAX_LAG_NANOS);
        }
        int v = cursor;
        cursor = v + 1 == address.length ? 0 : v + 1;
        ledger.raise(-1, firstLpi + v);
        sent.incrementAndGet();
        if (!g.msi(address[v], 4, data[v], deviceId)) {
            undelivered.incrementAndGet();
        }
    }
}
