package dev.vlmesh.engine.convert;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.vlmesh.engine.convert.ConversionException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a converted checkpoint, written last: its presence means the checkpoint is complete. It
 * lists every file with its SHA-256, every tensor of every shard, the parallel config, the source checkpoint (its
 * digest, its files and which tensors each held, so the reverse conversion can rebuild the same files) and the
 * converter version. It holds no timestamps: the same source and config give the same manifest.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
        String format,
        int formatVersion,
        String layout,
        String converterVersion,
        String iteration,
        String tensorNaming,
        String planDigest,
        Source source,
        Parallel parallel,
        Model model,
        List<Shard> shards,
        List<FileDigest> files) {

    public static final String FORMAT = "vlmesh.mindspeed-mm.manifest";
    public static final int FORMAT_VERSION = 1;
    public static final String LAYOUT = "mindspeed-mm";
    public static final String FILE = "manifest.json";
    public static final String TENSOR_NAMING = "Tensors carry MindSpeed-MM names with stage-local layer numbers. "
            + "With virtual pipelining (vpp > 1) a shard holds one model chunk per virtual stage; in "
            + "model.safetensors each name is prefixed with 'model<chunk>.' (as the keys model0, model1, ... of "
            + "model_optim_rng.pt); without it names are unprefixed.";

    /** The source checkpoint. {@code layout} is {@code original} or {@code hf}. */
    public record Source(String digest, String layout, boolean indexed, List<WeightFile> weightFiles,
                         List<FileDigest> files) {
    }

    /** A source safetensors file: tensors in their stored order and its {@code __metadata__}. */
    public record WeightFile(String path, List<String> tensors, Map<String, String> metadata) {
    }

    public record Parallel(int tp, int pp, int vpp, List<List<Integer>> llmPpLayers, List<List<Integer>> vitPpLayers,
                           String outputFormat) {
        public ParallelSpec spec() {
            return new ParallelSpec(tp, llmPpLayers, vitPpLayers);
        }
    }

    /** A summary for people and for quick compatibility checks. */
    public record Model(String llmArchitecture, int llmLayers, int llmHidden, int llmHeads, int llmKvHeads,
                        int vocabSize, int vitLayers, int vitHidden, int vitHeads, boolean tiedEmbeddings) {
    }

    public record Shard(String dir, int tpRank, int ppRank, List<FileDigest> files, List<Tensor> tensors) {
    }

    public record Tensor(String name, String dtype, long[] shape) {
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    public static Manifest read(Path file) throws ConversionException {
        try {
            Manifest m = JSON.readValue(Files.readAllBytes(file), Manifest.class);
            if (!FORMAT.equals(m.format()) || m.formatVersion() != FORMAT_VERSION) {
                throw new ConversionException(Reason.UNSUPPORTED_FORMAT, file + ": not a " + FORMAT + " v"
                        + FORMAT_VERSION + " manifest");
            }
            return m;
        } catch (ConversionException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, file + " does not exist", e);
        } catch (IOException e) {
            throw new ConversionException(Reason.CORRUPT_FILE, file + ": " + e.getMessage(), e);
        }
    }

    public static ObjectMapper json() {
        return JSON;
    }
}
