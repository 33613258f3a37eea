package dev.vlmesh.engine.convert;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The tiny InternVL3 reference checkpoints made by {@code tools/reference} (engine/src/test/resources/fixtures/models),
 * each in the original OpenGVLab layout and the transformers "-hf" layout.
 */
final class ConvertFixtures {
    /** InternViT-300M-style ViT (2 heads) + Qwen2.5-style LLM (7 q heads, 1 KV head, 4 layers), float32. */
    static final String A = "a-vit300m-qwen25";
    /** InternViT-6B-style ViT with 3 heads (odd: uneven TP splits), q/k norm, RMSNorm + LLM with 2 KV heads; bf16. */
    static final String B = "b-vit6b-qwen25";
    /** 224-px ViT + LLM with 2 KV heads, float32, split over several safetensors files with an index. */
    static final String C = "c-vit300m-qwen25-224-sharded";
    static final List<String> ALL = List.of(A, B, C);
    static final List<String> LAYOUTS = List.of("hf", "original");

    private ConvertFixtures() {
    }

    /** {@code models/<name>/<layout>}; the models root may be redirected with {@code -Dvlmesh.fixtures.models}. */
    static Path model(String name, String layout) {
        Path dir = modelsRoot().resolve(name).resolve(layout);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalStateException("no fixture checkpoint at " + dir + " (run tools/reference/generate)");
        }
        return dir;
    }

    static Path modelsRoot() {
        String override = System.getProperty("vlmesh.fixtures.models");
        if (override != null) {
            return Path.of(override);
        }
        return fixturesRoot().resolve("models");
    }

    static Path fixturesRoot() {
        String repo = System.getProperty("vlmesh.repo.root");
        Path base = repo != null ? Path.of(repo, "engine") : Path.of("").toAbsolutePath();
        return base.resolve("src/test/resources/fixtures");
    }
}
