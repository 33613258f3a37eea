package dev.vlmesh.engine.checkpoint;

import dev.vlmesh.engine.tensor.WeightFormat;
import java.util.List;
import java.util.Locale;

/**
 * What loading did to the linear-layer weights.
 *
 * @param format         the requested format
 * @param quantized      matrices converted (a fused q/k/v counts its parts)
 * @param storedBytes    their bytes as stored
 * @param quantizedBytes their bytes in memory after conversion
 * @param keptAsStored   matrices left as stored although the format asked for conversion, each with the reason
 */
public record QuantizationSummary(WeightFormat format, int quantized, long storedBytes, long quantizedBytes,
                                  List<String> keptAsStored) {

    public QuantizationSummary {
        keptAsStored = List.copyOf(keptAsStored);
    }

    /** One line for logs, e.g. "weights q8_0: 170 matrices quantized (1.71 GB → 0.91 GB), 1 kept as stored: …". */
    public String describe() {
        if (format == WeightFormat.AS_STORED) {
            return "weights as stored";
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "weights %s: %d matrices quantized (%s → %s)",
                format.cliName(), quantized, size(storedBytes), size(quantizedBytes)));
        if (!keptAsStored.isEmpty()) {
            b.append(", ").append(keptAsStored.size()).append(" kept as stored: ");
            int shown = Math.min(3, keptAsStored.size());
            b.append(String.join("; ", keptAsStored.subList(0, shown)));
            if (shown < keptAsStored.size()) {
                b.append("; …");
            }
        }
        return b.toString();
    }

    private static String size(long bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
