package dev.vlmesh.engine.convert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.engine.checkpoint.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * How a MindSpeed-MM checkpoint is sharded: the tensor-parallel size and, per modality, the layer count of every
 * pipeline stage. As in {@code mm-convert}, the outer list holds virtual-pipeline chunks and the inner list one count
 * per pipeline stage ({@code [[6,8,8,6]]}, {@code [[24,0,0,0]]}); chunk {@code v} of pipeline rank {@code p} is
 * flat stage {@code v·pp + p}. The ViT uses the same tensor-parallel size as the LLM.
 */
public record ParallelSpec(int tp, List<List<Integer>> llmPpLayers, List<List<Integer>> vitPpLayers) {

    /** Guards against absurd requests before any planning work. */
    public static final int MAX_TP = 256;
    public static final int MAX_STAGES = 4096;

    public ParallelSpec {
        llmPpLayers = copy(llmPpLayers);
        vitPpLayers = copy(vitPpLayers);
    }

    private static List<List<Integer>> copy(List<List<Integer>> l) {
        return l == null ? List.of() : l.stream().map(List::copyOf).toList();
    }

    /** No parallelism: one shard holding every layer. */
    public static ParallelSpec single(ModelConfig m) {
        return new ParallelSpec(1, List.of(List.of(m.text().layers())), List.of(List.of(m.vision().layers())));
    }

    /** Parses a layer list written as JSON, e.g. {@code [[6,8,8,6]]} (a flat {@code [6,8,8,6]} means one chunk). */
    public static List<List<Integer>> parseLayers(String text) throws ConversionException {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw bad("layer list '" + text + "' is not JSON like [[6,8,8,6]]");
        }
        if (n == null || !n.isArray() || n.isEmpty()) {
            throw bad("layer list '" + text + "' must be a non-empty list like [[6,8,8,6]]");
        }
        boolean flat = !n.get(0).isArray();
        List<List<Integer>> out = new ArrayList<>();
        for (JsonNode chunk : flat ? List.of(n) : iterable(n)) {
            if (!chunk.isArray() || chunk.isEmpty()) {
                throw bad("layer list '" + text + "': every chunk must be a non-empty list of counts");
            }
            List<Integer> counts = new ArrayList<>();
            for (JsonNode c : chunk) {
                if (!c.isIntegralNumber() || !c.canConvertToInt()) {
                    throw bad("layer list '" + text + "': '" + c + "' is not an integer");
                }
                counts.add(c.asInt());
            }
            out.add(counts);
        }
        return out;
    }

    private static List<JsonNode> iterable(JsonNode n) {
        List<JsonNode> l = new ArrayList<>();
        n.forEach(l::add);
        return l;
    }

    public int pp() {
        return llmPpLayers.isEmpty() ? 1 : llmPpLayers.getFirst().size();
    }

    public int vpp() {
        return Math.max(1, llmPpLayers.size());
    }

    /** Layer counts per flat stage {@code v·pp + p}. */
    public int[] flatLlm() {
        return flatten(llmPpLayers);
    }

    public int[] flatVit() {
        return flatten(vitPpLayers);
    }

    private static int[] flatten(List<List<Integer>> l) {
        return l.stream().flatMap(List::stream).mapToInt(Integer::intValue).toArray();
    }

    /** A stable text form, used in digests and version ids. */
    public String canonical() {
        return "tp=" + tp + ";llm=" + llmPpLayers.toString().replace(" ", "") + ";vit="
                + vitPpLayers.toString().replace(" ", "");
    }

    /**
     * The checks of {@code mm-convert} (KV heads divisible by TP, list lengths, sums equal to the layer counts) plus
     * the divisibility every split needs, so a bad request fails before anything is read or written.
     */
    public void validate(ModelConfig m) throws ConversionException {
        if (tp < 1 || tp > MAX_TP) {
            throw bad("tp " + tp + " must be between 1 and " + MAX_TP);
        }
        if (llmPpLayers.isEmpty()) {
            throw bad("llm_pp_layers is empty; give one count per pipeline stage, e.g. [[" + m.text().layers()
                    + "]]");
        }
        if (vitPpLayers.isEmpty()) {
            throw bad("vit_pp_layers is empty; give one count per pipeline stage, e.g. [[" + m.vision().layers()
                    + "]]");
        }
        int pp = pp();
        if ((long) pp * vpp() > MAX_STAGES) {
            throw bad(pp + " pipeline stages × " + vpp() + " virtual chunks exceeds " + MAX_STAGES);
        }
        checkShape("llm_pp_layers", llmPpLayers, pp, vpp());
        checkShape("vit_pp_layers", vitPpLayers, pp, vpp());
        checkSum("llm_pp_layers", llmPpLayers, m.text().layers(), "LLM");
        checkSum("vit_pp_layers", vitPpLayers, m.vision().layers(), "ViT");
        var t = m.text();
        if (t.kvHeads() % tp != 0) {
            throw bad("the LLM has " + t.kvHeads() + " KV heads, which tp " + tp + " does not divide"
                    + " (mm-convert requires num_key_value_heads % tp == 0)");
        }
        if (t.intermediateSize() % tp != 0) {
            throw bad("LLM intermediate_size " + t.intermediateSize() + " is not divisible by tp " + tp);
        }
        if (t.vocabSize() < tp) {
            throw bad("vocab_size " + t.vocabSize() + " is smaller than tp " + tp);
        }
        var v = m.vision();
        if (v.heads() < tp) {
            throw bad("the ViT has " + v.heads() + " attention heads; tp " + tp + " would leave ranks without one");
        }
        if (v.intermediateSize() % tp != 0) {
            throw bad("ViT intermediate_size " + v.intermediateSize() + " is not divisible by tp " + tp);
        }
    }

    private static void checkShape(String what, List<List<Integer>> l, int pp, int vpp) throws ConversionException {
        if (l.size() != vpp) {
            throw bad(what + " has " + l.size() + " virtual-pipeline chunks but llm_pp_layers has " + vpp);
        }
        for (List<Integer> chunk : l) {
            if (chunk.size() != pp) {
                throw bad(what + " chunk " + chunk + " has " + chunk.size() + " stages; every chunk of both lists"
                        + " needs one count per pipeline stage (" + pp + ")");
            }
            for (int c : chunk) {
                if (c < 0) {
                    throw bad(what + " has a negative layer count " + c);
                }
            }
        }
    }

    private static void checkSum(String what, List<List<Integer>> l, int layers, String modality)
            throws ConversionException {
        long sum = l.stream().flatMap(List::stream).mapToLong(Integer::longValue).sum();
        if (sum != layers) {
            throw bad(what + " " + l + " sums to " + sum + " but the " + modality + " has " + layers + " layers");
        }
    }

    private static ConversionException bad(String msg) {
        return new ConversionException(ConversionException.Reason.BAD_PARALLEL_CONFIG, msg);
    }
}
