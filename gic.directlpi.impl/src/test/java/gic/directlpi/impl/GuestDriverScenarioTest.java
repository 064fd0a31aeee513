package gic.directlpi.impl;

import static gic.core.TestGic.RAM_BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gic.api.DirectLpi;
import gic.core.GicCore;
import gic.core.TestGic;
import gic.core.TestHost;
import gic.directlpi.impl.GuestDriver.MsiDevice;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DirectLPI GIC driven the way a DirectLPI-aware guest driver drives it ({@link GuestDriver}): it
 * probes, builds the property and pending tables, enables LPIs, points each device vector at a CPU's
 * GICR_SETLPIR, masks and unmasks with GICR_INVLPIR + GICR_SYNCR, retargets, and takes every interrupt
 * through ICC_IAR1_EL1 on the CPU it was meant for. The host is strict: any guest error fails the test.
 */
class GuestDriverScenarioTest {

    private static final int CPUS = 4;
    private static final int NIC = 0x0100;
    private static final int DISK = 0x0208;

    private GicCore gic;
    private TestHost host;
    private GuestDriver driver;

    @BeforeEach
    void boot() {
        gic = TestGic.affinities(TestGic.FOUR_CPUS).create(new DirectLpiGicProvider());
        host = TestGic.host(gic);
        driver = new GuestDriver(gic, host.mem(), RAM_BASE + 0x10_0000);
        assertEquals(CPUS, driver.probe());
        driver.bringUp(CPUS);
    }

    @AfterEach
    void closeGic() {
        gic.close();
    }

    /** A device with one vector per CPU, vector v targeting CPU v. */
    private MsiDevice nicWithOneVectorPerCpu(int[] intids) {
        MsiDevice nic = new MsiDevice(gic, NIC, CPUS);
        for (int v = 0; v < CPUS; v++) {
            intids[v] = driver.allocateVectors(1, v);
            nic.program(v, driver.message(intids[v]));
        }
        return nic;
    }

    @Test
    void msis_at_each_cpus_setlpir_are_taken_through_iar1_on_that_cpu() {
        int[] lpi = new int[CPUS];
        MsiDevice nic = nicWithOneVectorPerCpu(lpi);
        for (int v = 0; v < CPUS; v++) {
            assertEquals(gic.directLpi().orElseThrow().setLpirAddress(v), nic.message(v).address());
        }
        nic.fire(2);
        assertTrue(host.irq(2));
        assertFalse(host.irq(0) || host.irq(1) || host.irq(3));
        assertEquals(List.of(lpi[2]), driver.irq(2));
        assertFalse(host.irq(2));

        for (int v = 0; v < CPUS; v++) {
            nic.fire(v);
        }
        for (int c = 0; c < CPUS; c++) {
            assertEquals(List.of(lpi[c]), driver.irq(c), "CPU " + c);
        }
    }

    @Test
    void a_multi_msi_block_delivers_each_vector_of_an_aligned_block() {
        int first = driver.allocateVectors(4, 3);
        assertEquals(0, first % 4, "naturally aligned");
        MsiDevice disk = new MsiDevice(gic, DISK, 4);
        for (int k = 0; k < 4; k++) {
            // Plain multi-MSI: one address, the vector number ORed into the data.
            GuestDriver.Msi base = driver.message(first);
            disk.program(k, new GuestDriver.Msi(base.address(), base.data() | k));
        }
        disk.fire(3);
        disk.fire(0);
        assertEquals(List.of(first, first + 3), driver.irq(3));
    }

    @Test
    void masking_with_invlpir_and_syncr_holds_an_msi_until_unmasked() {
        int[] lpi = new int[CPUS];
        MsiDevice nic = nicWithOneVectorPerCpu(lpi);
        driver.mask(lpi[1]);
        nic.fire(1);
        nic.fire(1);
        assertFalse(host.irq(1));
        assertEquals(List.of(), driver.irq(1), "masked in the GIC: pending but not signalled");
        driver.unmask(lpi[1]);
        assertTrue(host.irq(1));
        assertEquals(List.of(lpi[1]), driver.irq(1), "two MSIs while masked coalesce into one interrupt");
    }

    @Test
    void a_priority_change_through_invlpir_decides_which_pending_lpi_is_taken_first() {
        int a = driver.allocateVectors(1, 0);
        int b = driver.allocateVectors(1, 0);
        MsiDevice dev = new MsiDevice(gic, NIC, 2);
        dev.program(0, driver.message(a));
        dev.program(1, driver.message(b));
        driver.setPriority(b, 0x80);
        driver.mask(a);
        driver.mask(b);
        dev.fire(0);
        dev.fire(1);
        driver.unmask(a);
        driver.unmask(b);
        assertEquals(List.of(b, a), driver.irq(0), "0x80 before 0xA0");
    }

    @Test
    void the_guests_retargeting_procedure_moves_a_pending_lpi_and_later_msis_to_the_new_cpu() {
        int[] lpi = new int[CPUS];
        MsiDevice nic = nicWithOneVectorPerCpu(lpi);
        driver.mask(lpi[0]);
        nic.fire(0); // pending at CPU 0, masked there
        driver.unmask(lpi[0]); // ...and now CPU 0 is signalled; the guest moves it before taking it
        assertTrue(host.irq(0));

        driver.setAffinity(lpi[0], 3, nic, 0);
        assertEquals(3, driver.targetOf(lpi[0]));
        assertEquals(gic.directLpi().orElseThrow().setLpirAddress(3), nic.message(0).address());
        assertFalse(host.irq(0), "cleared at the old redistributor");
        assertEquals(List.of(), driver.irq(0));
        assertEquals(List.of(lpi[0]), driver.irq(3), "taken once, on the new CPU");

        nic.fire(0);
        assertEquals(List.of(lpi[0]), driver.irq(3));
        assertEquals(List.of(), driver.irq(0));
    }

    @Test
    void the_guests_retargeting_procedure_costs_one_spurious_interrupt_when_nothing_was_pending() {
        int[] lpi = new int[CPUS];
        MsiDevice nic = nicWithOneVectorPerCpu(lpi);
        driver.setAffinity(lpi[1], 2, nic, 1);
        assertEquals(List.of(lpi[1]), driver.irq(2), "the unconditional SETLPIR: the handler finds no work");
        nic.fire(1);
        assertEquals(List.of(lpi[1]), driver.irq(2));
        assertEquals(List.of(), driver.irq(1));
    }

    @Test
    void raises_before_and_during_the_move_reach_the_new_cpu_as_one_interrupt() {
        int[] lpi = new int[CPUS];
        MsiDevice nic = nicWithOneVectorPerCpu(lpi);
        driver.mask(lpi[0]);
        nic.fire(0); // reached CPU 0's redistributor before the move (masked in the GIC, so still pending)
        driver.unmask(lpi[0]);
        nic.mask(0);
        nic.fire(0); // raised while the device is masked for the move: held in its pending bit
        driver.setAffinity(lpi[0], 1, nic, 0); // unmasking the device at the end sends it to the new address
        assertEquals(List.of(), driver.irq(0), "the raise at the old redistributor moved with the procedure");
        assertEquals(List.of(lpi[0]), driver.irq(1),
            "both raises and the procedure's own SETLPIR were pending together: one interrupt");
    }

    @Test
    void retargeting_with_the_host_helper_moves_exactly_the_pending_state() {
        DirectLpi direct = gic.directLpi().orElseThrow();
        int[] lpi = new int[CPUS];
        MsiDevice nic = nicWithOneVectorPerCpu(lpi);

        // Nothing pending: no interrupt at all on either CPU.
        assertFalse(direct.retarget(lpi[0], 0, 2, a -> nic.program(0, new GuestDriver.Msi(a, lpi[0]))));
        driver.targetMovedByHost(lpi[0], 2);
        assertEquals(List.of(), driver.irq(2));
        assertEquals(List.of(), driver.irq(0));

        // Pending (masked) at CPU 2: moved to CPU 1, taken there once after unmask.
        driver.mask(lpi[0]);
        nic.fire(0);
        assertTrue(direct.retarget(lpi[0], 2, 1, a -> nic.program(0, new GuestDriver.Msi(a, lpi[0]))));
        driver.targetMovedByHost(lpi[0], 1);
        driver.unmask(lpi[0]);
        assertEquals(List.of(lpi[0]), driver.irq(1));
        assertEquals(List.of(), driver.irq(2));

        nic.fire(0);
        assertEquals(List.of(lpi[0]), driver.irq(1));
    }

    @Test
    void every_cpu_takes_only_its_own_lpis_through_a_burst_and_two_moves() {
        int[] lpi = new int[CPUS];
        MsiDevice nic = nicWithOneVectorPerCpu(lpi);
        DirectLpi direct = gic.directLpi().orElseThrow();
        for (int round = 0; round < 3; round++) {
            for (int v = 0; v < CPUS; v++) {
                nic.fire(v);
            }
            for (int v = 0; v < CPUS; v++) {
                int cpu = driver.targetOf(lpi[v]);
                assertEquals(List.of(lpi[v]), driver.irq(cpu), "round " + round + ", vector " + v);
            }
            // Rotate every vector one CPU on: the host helper for even vectors, the guest procedure for odd.
            for (int v = 0; v < CPUS; v++) {
                int from = driver.targetOf(lpi[v]);
                int to = (from + 1) % CPUS;
                if (v % 2 == 0) {
                    int vv = v;
                    direct.retarget(lpi[v], from, to, a -> nic.program(vv, new GuestDriver.Msi(a, lpi[vv])));
                    driver.targetMovedByHost(lpi[v], to);
                } else {
                    driver.setAffinity(lpi[v], to, nic, v);
                    assertEquals(List.of(lpi[v]), driver.irq(to), "the procedure's spurious interrupt");
                }
            }
        }
        for (int c = 0; c < CPUS; c++) {
            assertEquals(List.of(), driver.irq(c));
            assertFalse(host.irq(c));
        }
        assertEquals(List.of(), host.guestErrors());
    }
}
