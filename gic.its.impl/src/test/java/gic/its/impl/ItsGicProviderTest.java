package gic.its.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import gic.api.GicSnapshot;
import gic.core.GicCore;
import gic.core.TestGic;
import gic.core.TestHost;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The configuration Declarative Services hands the ITS provider: bad values are logged and replaced
 * instead of keeping the {@code gic.lpi=its} service from appearing, and a change applies to the GICs
 * created or restored afterwards.
 */
class ItsGicProviderTest {

    @Test
    void an_error_policy_entry_that_does_not_parse_is_left_out() {
        ItsGicProvider.Config config = config();
        when(config.error_policy()).thenReturn(new String[] {"stall", "sometimes", " SKIP ", ""});
        ItsGicProvider p = new ItsGicProvider();
        p.configure(config);
        assertEquals(List.of(ErrorPolicy.STALL, ErrorPolicy.SKIP), p.options().errorPolicies());
    }

    @Test
    void with_no_error_policy_entry_left_every_its_skips() {
        ItsGicProvider.Config config = config();
        for (String[] entries : new String[][] {{"sometimes", "never"}, {}, null}) {
            when(config.error_policy()).thenReturn(entries);
            assertEquals(List.of(ErrorPolicy.SKIP), ItsGicProvider.optionsOf(config).errorPolicies());
        }
    }

    @Test
    void a_value_out_of_its_range_is_replaced_by_its_default() {
        ItsGicProvider.Config config = config();
        when(config.its_count()).thenReturn(ItsOptions.MAX_ITS + 1);
        when(config.its_base()).thenReturn(0x0808_1000L);      // not 64 KiB aligned
        when(config.its_stride()).thenReturn(0x1_0000L);       // less than an ITS
        when(config.device_id_bits()).thenReturn(21);
        when(config.event_id_bits()).thenReturn(0);
        when(config.pta()).thenReturn(true);
        when(config.translation_cache_size()).thenReturn(-1);
        assertEquals(ItsOptions.DEFAULTS.withPta(true), ItsGicProvider.optionsOf(config));

        when(config.its_base()).thenReturn(-0x1_0000L);
        when(config.its_stride()).thenReturn(0x2_8000L);       // not 64 KiB aligned
        when(config.translation_cache_size()).thenReturn(TranslationCache.MAX_ENTRIES + 1);
        assertEquals(ItsOptions.DEFAULTS.withPta(true), ItsGicProvider.optionsOf(config));
    }

    @Test
    void values_in_range_are_kept() {
        ItsGicProvider.Config config = config();
        when(config.its_count()).thenReturn(2);
        when(config.its_base()).thenReturn(0x0804_0000L);
        when(config.its_stride()).thenReturn(0x3_0000L);
        when(config.device_id_bits()).thenReturn(20);
        when(config.event_id_bits()).thenReturn(1);
        when(config.translation_cache_size()).thenReturn(0);
        when(config.error_policy()).thenReturn(new String[] {"skip", "stall"});
        assertEquals(new ItsOptions(2, 0x0804_0000L, 0x3_0000L, 20, 1, false, 0,
            List.of(ErrorPolicy.SKIP, ErrorPolicy.STALL)), ItsGicProvider.optionsOf(config));
    }

    @Test
    void a_configuration_change_applies_to_gics_created_or_restored_afterwards() {
        ItsGicProvider p = new ItsGicProvider();
        TestHost host = TestGic.cpus(1).host();
        GicCore before = (GicCore) p.create(TestGic.cpus(1).config(), host);

        ItsGicProvider.Config config = config();
        when(config.its_count()).thenReturn(2);
        when(config.its_base()).thenReturn(0x0804_0000L); // two ITSes end below the virt GICR frames
        when(config.error_policy()).thenReturn(new String[] {"stall"});
        p.configure(config);
        assertEquals(2, p.options().itsCount());

        GicSnapshot snapshot = before.snapshot();
        GicCore after = (GicCore) p.create(TestGic.cpus(1).config(), TestGic.cpus(1).host());
        before.close();
        GicCore restored = (GicCore) p.restore(snapshot, host);
        try {
            assertEquals(1, extension(before).itsCount(), "an existing GIC keeps its options");
            assertSame(ErrorPolicy.SKIP, extension(before).its(0).policy());

            assertEquals(2, extension(after).itsCount());
            assertEquals(0x0804_0000L, extension(after).its(0).config().base());
            assertSame(ErrorPolicy.STALL, extension(after).its(1).policy());

            assertEquals(1, extension(restored).itsCount(), "the snapshot names its ITS");
            assertSame(ErrorPolicy.STALL, extension(restored).its(0).policy());
        } finally {
            after.close();
            restored.close();
        }
    }

    /** A mock configuration with the defaults of {@link ItsGicProvider.Config}. */
    private static ItsGicProvider.Config config() {
        ItsOptions d = ItsOptions.DEFAULTS;
        ItsGicProvider.Config c = mock(ItsGicProvider.Config.class);
        when(c.its_count()).thenReturn(d.itsCount());
        when(c.its_base()).thenReturn(d.itsBase());
        when(c.its_stride()).thenReturn(d.itsStride());
        when(c.device_id_bits()).thenReturn(d.deviceIdBits());
        when(c.event_id_bits()).thenReturn(d.eventIdBits());
        when(c.pta()).thenReturn(d.pta());
        when(c.translation_cache_size()).thenReturn(d.translationCacheSize());
        when(c.error_policy()).thenReturn(new String[] {"skip"});
        return c;
    }

    private static ItsExtension extension(GicCore g) {
        return (ItsExtension) g.extension();
    }
}
