package gic.its.impl;

import gic.api.ItsConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * How an {@link ItsGicProvider} builds its ITSes.
 *
 * @param itsCount             ITSes added when a {@link gic.api.GicConfig} names none
 * @param itsBase              guest physical base of the first of those ITSes (64 KiB aligned)
 * @param itsStride            distance between their bases (at least 128 KiB, 64 KiB aligned)
 * @param deviceIdBits         DeviceID width of those ITSes (GITS_TYPER.Devbits + 1), 1..20
 * @param eventIdBits          EventID width of those ITSes (GITS_TYPER.ID_bits + 1), 1..16
 * @param pta                  GITS_TYPER.PTA of those ITSes
 * @param translationCacheSize translation cache entries per ITS (rounded up to a power of two, at most
 *                             {@link TranslationCache#MAX_ENTRIES}); 0 = no cache, every MSI walks the tables
 * @param errorPolicies        ITS {@code i} uses entry {@code i}; the last entry applies to every further ITS
 */
public record ItsOptions(int itsCount, long itsBase, long itsStride, int deviceIdBits, int eventIdBits, boolean pta,
                         int translationCacheSize, List<ErrorPolicy> errorPolicies) {

    /** One ITS at QEMU virt's 0x08080000, 16 DeviceID and EventID bits, PTA = 0, 4096 cache entries, SKIP. */
    public static final ItsOptions DEFAULTS = new ItsOptions(1, 0x0808_0000L, 0x2_0000L, 16, 16, false, 4096,
        List.of(ErrorPolicy.SKIP));

    /** Most ITSes one GIC may have (a snapshot holds at most 1024). */
    public static final int MAX_ITS = 1024;

    public ItsOptions {
        errorPolicies = List.copyOf(errorPolicies); // rejects null entries
        require(validItsCount(itsCount), "itsCount must be 0.." + MAX_ITS);
        require(validItsBase(itsBase), "itsBase must be non-negative and 64 KiB aligned");
        require(validItsStride(itsStride), "itsStride must be at least 128 KiB and 64 KiB aligned");
        require(validDeviceIdBits(deviceIdBits), "deviceIdBits must be 1..20");
        require(validEventIdBits(eventIdBits), "eventIdBits must be 1..16");
        require(validTranslationCacheSize(translationCacheSize),
            "translationCacheSize must be 0.." + TranslationCache.MAX_ENTRIES);
        require(!errorPolicies.isEmpty(), "errorPolicies must name at least one policy");
    }

    // The rule of each component, for the constructor and for ItsGicProvider's reading of configuration.

    static boolean validItsCount(int itsCount) {
        return itsCount >= 0 && itsCount <= MAX_ITS;
    }

    static boolean validItsBase(long itsBase) {
        return itsBase >= 0 && (itsBase & 0xFFFF) == 0;
    }

    static boolean validItsStride(long itsStride) {
        return itsStride >= ItsConfig.SIZE && (itsStride & 0xFFFF) == 0;
    }

    static boolean validDeviceIdBits(int deviceIdBits) {
        return deviceIdBits >= 1 && deviceIdBits <= 20;
    }

    static boolean validEventIdBits(int eventIdBits) {
        return eventIdBits >= 1 && eventIdBits <= 16;
    }

    static boolean validTranslationCacheSize(int translationCacheSize) {
        return translationCacheSize >= 0 && translationCacheSize <= TranslationCache.MAX_ENTRIES;
    }

    private static void require(boolean valid, String message) {
        if (!valid) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The error policy of ITS {@code index}. */
    public ErrorPolicy errorPolicy(int index) {
        return errorPolicies.get(Math.min(index, errorPolicies.size() - 1));
    }

    /** The ITSes these options describe, for a configuration that names none. */
    public List<ItsConfig> itsConfigs() {
        List<ItsConfig> list = new ArrayList<>();
        for (int i = 0; i < itsCount; i++) {
            list.add(new ItsConfig(itsBase + i * itsStride, deviceIdBits, eventIdBits, pta));
        }
        return list;
    }

    /** These options with {@code policy} for every ITS. */
    public ItsOptions withErrorPolicy(ErrorPolicy policy) {
        return new ItsOptions(itsCount, itsBase, itsStride, deviceIdBits, eventIdBits, pta, translationCacheSize,
            List.of(policy));
    }

    public ItsOptions withTranslationCacheSize(int entries) {
        return new ItsOptions(itsCount, itsBase, itsStride, deviceIdBits, eventIdBits, pta, entries, errorPolicies);
    }

    public ItsOptions withPta(boolean newPta) {
        return new ItsOptions(itsCount, itsBase, itsStride, deviceIdBits, eventIdBits, newPta, translationCacheSize,
            errorPolicies);
    }
}
