package dev.vlmesh.convert.jobs;

import dev.vlmesh.engine.convert.ConversionException;
import dev.vlmesh.engine.convert.ConversionException.Reason;
import dev.vlmesh.engine.convert.ParallelSpec;
import dev.vlmesh.events.ParallelConfig;
import dev.vlmesh.events.StoreLayout;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A refresh request with its defaults filled in and its fields checked (the same rules for the REST API and for
 * records on the requests topic): source bucket (default: the checkpoint bucket), source prefix (default
 * {@code sources/{model}/}), output format ({@code safetensors} or {@code torch}) and the parallel config (default:
 * no parallelism; its fit to the model is checked once the model's config is read).
 */
public record RefreshPlan(String modelName, String sourceBucket, String sourcePrefix, ParallelConfig parallel,
                          String outputFormat) {

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    public static final List<String> FORMATS = List.of("safetensors", "torch");

    public static RefreshPlan of(String model, String bucket, String prefix, ParallelConfig parallel, String format,
                                 StoreLayout layout) throws ConversionException {
        try {
            StoreLayout.safe(model, "model name");
        } catch (IllegalArgumentException e) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, e.getMessage());
        }
        String b = bucket == null || bucket.isBlank() ? layout.checkpointBucket() : bucket;
        if (!BUCKET.matcher(b).matches()) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, "invalid source bucket '" + b + "'");
        }
        String p = prefix == null || prefix.isBlank() ? StoreLayout.sourcePrefix(model) : prefix;
        if (p.startsWith("/") || p.contains("..") || p.contains("\\") || p.contains("\0") || p.length() > 512) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, "invalid source prefix '" + p + "'");
        }
        if (!p.endsWith("/")) {
            p = p + "/";
        }
        String f = format == null || format.isBlank() ? "safetensors" : format;
        if (!FORMATS.contains(f)) {
            throw new ConversionException(Reason.UNSUPPORTED_FORMAT, "output format '" + f + "' is not one of "
                    + FORMATS);
        }
        if (parallel != null) {
            if (parallel.tp() < 1 || parallel.tp() > ParallelSpec.MAX_TP) {
                throw new ConversionException(Reason.BAD_PARALLEL_CONFIG, "tp " + parallel.tp()
                        + " must be between 1 and " + ParallelSpec.MAX_TP);
            }
            if (parallel.llmPpLayers().isEmpty() != parallel.vitPpLayers().isEmpty()) {
                throw new ConversionException(Reason.BAD_PARALLEL_CONFIG, "give both llmPpLayers and vitPpLayers,"
                        + " or neither");
            }
            for (List<List<Integer>> l : List.of(parallel.llmPpLayers(), parallel.vitPpLayers())) {
                for (List<Integer> chunk : l) {
                    if (chunk == null || chunk.isEmpty() || chunk.stream().anyMatch(c -> c == null || c < 0)) {
                        throw new ConversionException(Reason.BAD_PARALLEL_CONFIG, "layer lists must hold non-empty "
                                + "lists of non-negative counts, e.g. [[6,8,8,6]]");
                    }
                }
            }
        }
        return new RefreshPlan(model, b, p, parallel, f);
    }
}
