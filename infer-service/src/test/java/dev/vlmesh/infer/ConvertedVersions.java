package dev.vlmesh.infer;

import dev.vlmesh.engine.convert.FileDigest;
import dev.vlmesh.engine.convert.HfToMm;
import dev.vlmesh.engine.convert.Manifest;
import dev.vlmesh.engine.convert.ParallelSpec;
import dev.vlmesh.events.CheckpointReady;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.ParallelConfig;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.testing.TestStack;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * What convert-service does with a HuggingFace checkpoint, in-process: the engine's converter ({@link HfToMm}, the
 * library convert-service runs) writes the MindSpeed-MM layout, which is uploaded under
 * {@code models/{model}/{version}/} and announced. convert-service itself is an application module that infer does
 * not depend on, so its publishing contract ({@code VersionUploader}, {@code VersionIds}, {@code ConversionJob}) is
 * followed here: every file of the manifest's {@code files[]} under its relative path with its SHA-256 as user
 * metadata, {@code manifest.json} last, a version id derived from converter, source digest, parallel config and
 * output format, then {@code CheckpointReady} with layout {@code mindspeed-mm}.
 */
final class ConvertedVersions {

    /** A converted checkpoint on local disk. */
    record Converted(Path dir, Manifest manifest, ParallelSpec spec) {

        String version() {
            try {
                byte[] h = MessageDigest.getInstance("SHA-256").digest((HfToMm.CONVERTER_VERSION + "\n"
                        + manifest.source().digest() + "\n" + spec.canonical() + "\n"
                        + manifest.parallel().outputFormat()).getBytes(StandardCharsets.UTF_8));
                return "mm-" + HexFormat.of().formatHex(h).substring(0, 20);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private ConvertedVersions() {
    }

    /** Converts a HuggingFace-layout checkpoint with the given sharding (e.g. {@code "[[1,0],[1,2]]"}). */
    static Converted convert(Path hf, Path out, int tp, String llmLayers, String vitLayers, boolean torchFormat)
            throws Exception {
        ParallelSpec spec = new ParallelSpec(tp, ParallelSpec.parseLayers(llmLayers),
                ParallelSpec.parseLayers(vitLayers));
        HfToMm.Result r = HfToMm.convert(hf, out, HfToMm.Options.of(spec).withTorchFormat(torchFormat));
        return new Converted(r.dir(), r.manifest(), spec);
    }

    /** Uploads as convert-service does (manifest last) and returns the version. */
    static String upload(TestStack stack, String model, Converted c) throws Exception {
        return upload(stack, model, c.version(), c, UnaryOperator.identity());
    }

    /**
     * Uploads under {@code version}; {@code damage} may change a file's bytes on the way (the manifest still lists
     * the converter's digests), standing in for an object damaged in the store.
     */
    static String upload(TestStack stack, String model, String version, Converted c,
                         UnaryOperator<FileBytes> damage) throws Exception {
        String prefix = StoreLayout.modelVersionPrefix(model, version);
        for (FileDigest f : c.manifest().files()) {
            FileBytes data = damage.apply(new FileBytes(f.path(), Files.readAllBytes(c.dir().resolve(f.path()))));
            put(stack, prefix + f.path(), data.bytes(), Map.of("sha256", f.sha256()), null);
        }
        put(stack, prefix + Manifest.FILE, Files.readAllBytes(c.dir().resolve(Manifest.FILE)), Map.of(),
                "application/json");
        return version;
    }

    record FileBytes(String path, byte[] bytes) {
    }

    /** CheckpointReady for the version, as convert-service sends it after the upload. */
    static void announce(TestStack stack, String model, String version, Converted c) throws Exception {
        ParallelSpec s = c.spec();
        try (KafkaProducer<String, byte[]> p = stack.producer()) {
            p.send(TestStack.codec().record(stack.topics().checkpointEvents(), CheckpointReady.of(
                    Ids.newConversionId(), model, version, stack.layout().checkpointBucket(),
                    StoreLayout.manifestKey(model, version), Manifest.LAYOUT,
                    new ParallelConfig(s.tp(), s.llmPpLayers(), s.vitPpLayers()), c.manifest().source().digest())))
                    .get();
        }
    }

    private static void put(TestStack stack, String key, byte[] data, Map<String, String> meta, String type)
            throws Exception {
        PutObjectArgs.Builder b = PutObjectArgs.builder().bucket(stack.layout().checkpointBucket()).object(key)
                .stream(new ByteArrayInputStream(data), data.length, -1).userMetadata(meta);
        if (type != null) {
            b.contentType(type);
        }
        stack.s3().putObject(b.build());
    }
}
