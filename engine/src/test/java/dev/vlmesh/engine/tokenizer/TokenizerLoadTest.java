package dev.vlmesh.engine.tokenizer;

import dev.vlmesh.engine.image.InputFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken or foreign tokenizer files fail at load with a message naming the file and the problem. */
class TokenizerLoadTest {
    private static Path fixtureDir() {
        return InputFixtures.file("tokenizer/tokenizer.json").getParent();
    }

    @Test
    void missingFilesAreReported(@TempDir Path dir) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Qwen2Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Test
    void truncatedJsonIsReported(@TempDir Path dir) throws IOException {
        String json = Files.readString(fixtureDir().resolve("tokenizer.json"), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("tokenizer.json"), json.substring(0, json.length() / 2));
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Qwen2Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Test
    void aDifferentPreTokenizerIsRefused(@TempDir Path dir) throws IOException {
        String json = Files.readString(fixtureDir().resolve("tokenizer.json"), StandardCharsets.UTF_8);
        String altered = json.replace("\\\\p{N}|", "\\\\p{N}+|");
        assertTrue(!altered.equals(json), "fixture tokenizer.json has no Qwen2 split pattern to alter");
        Files.writeString(dir.resolve("tokenizer.json"), altered);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Qwen2Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("Split"), e.getMessage());
    }

    @Test
    void aMergeOutsideTheVocabularyIsRefused(@TempDir Path dir) throws IOException {
        for (String f : new String[] {"vocab.json", "added_tokens.json", "tokenizer_config.json"}) {
            Files.copy(fixtureDir().resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nnot_a_token another_one\n");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Qwen2Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("merge 1"), e.getMessage());
    }
}
