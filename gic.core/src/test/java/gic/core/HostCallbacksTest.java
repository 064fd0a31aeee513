package gic.core;

import static gic.core.TestGic.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import gic.api.CpuInterface;
import gic.api.GicConfig;
import gic.api.GicHost;
import gic.api.IccRegister;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** The host callbacks, pinned with a mock host: lines change exactly when the architecture says, once. */
class HostCallbacksTest {

    private static final int SPI = 40;

    private GicHost host;
    private GicCore gic;
    private CpuInterface cpu1;

    @BeforeEach
    void setUp() {
        host = mock(GicHost.class);
        when(host.memory()).thenReturn(new TestMemory(RAM_BASE, RAM_SIZE));
        gic = GicCore.create(GicConfig.virt(2), host);
        enableGroups(gic);
        spi(gic, SPI).group(1).edge().priority(0x80).routeTo(1).enable(); // CPU 1: Aff0 = 1
        enableCpuInterface(gic, 1, 0xF0, GRP1);
        cpu1 = gic.cpu(1);
    }

    @Test
    void irq_line_rises_on_pending_and_falls_on_acknowledge_each_exactly_once() {
        gic.pulseSpi(SPI);
        gic.pulseSpi(SPI); // coalesces with the pending edge: no second call
        assertEquals(SPI, cpu1.read(IccRegister.IAR1));
        cpu1.write(IccRegister.EOIR1, SPI);

        InOrder order = inOrder(host);
        order.verify(host).setIrq(1, true);
        order.verify(host).setIrq(1, false);
        verify(host, never()).setIrq(0, true);
        verify(host, never()).setFiq(1, true);
        verify(host, never()).guestError(anyString(), anyString());
    }

    @Test
    void masking_by_pmr_lowers_the_line_and_unmasking_raises_it_again() {
        gic.pulseSpi(SPI);
        cpu1.write(IccRegister.PMR, 0x80); // priority 0x80 is no longer below the mask
        cpu1.write(IccRegister.PMR, 0xF0);

        InOrder order = inOrder(host);
        order.verify(host).setIrq(1, true);
        order.verify(host).setIrq(1, false);
        order.verify(host).setIrq(1, true);
    }

    @Test
    void group0_interrupt_is_signalled_on_fiq_not_irq() {
        spi(gic, SPI).group(0);          // back to Group 0
        cpu1.write(IccRegister.IGRPEN0, 1);
        gic.pulseSpi(SPI);

        verify(host).setFiq(1, true);
        verify(host, never()).setIrq(1, true);
        assertEquals(SPI, cpu1.read(IccRegister.IAR0));
        verify(host).setFiq(1, false);
    }

    @Test
    void guest_error_reaches_the_host_callback_once_with_the_block_name() {
        Regs.gicd(gic, 0xC000, 0); // IMPLEMENTATION DEFINED space we do not implement: reserved
        verify(host).guestError(contains("GICD"), contains("reserved"));
    }

    @Test
    void close_lowers_a_raised_line_and_nothing_else() {
        gic.pulseSpi(SPI);
        gic.close();
        InOrder order = inOrder(host);
        order.verify(host).setIrq(1, true);
        order.verify(host).setIrq(1, false);
        verify(host).memory();
        verifyNoMoreInteractions(host);
    }

    @Test
    void after_close_no_wire_or_register_write_raises_a_line_again() {
        gic.close();
        gic.pulseSpi(SPI);
        cpu1.write(IccRegister.PMR, 0xFF);
        verify(host, never()).setIrq(1, true);
    }
}
