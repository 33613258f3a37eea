package dev.vlmesh.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.InputFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ids and decoded text equal to transformers' Qwen2Tokenizer on every fixture case, for both file forms. */
class Qwen2TokenizerFixtureTest {
    private static JsonNode cases;
    private static Path dir;

    @BeforeAll
    static void load() throws IOException {
        cases = InputFixtures.json("tokenizer/cases.json");
        dir = InputFixtures.file("tokenizer/tokenizer.json").getParent();
    }

    private static Qwen2Tokenizer tokenizer(String form) throws IOException {
        return form.equals("tokenizer.json") ? Qwen2Tokenizer.fromTokenizerJson(dir)
                : Qwen2Tokenizer.fromVocabAndMerges(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer.json", "vocab.json+merges.txt"})
    void encodeMatchesEveryCase(String form) throws IOException {
        Qwen2Tokenizer tok = tokenizer(form);
        assertTrue(cases.get("encode").size() > 10, "too few fixture cases");
        for (JsonNode c : cases.get("encode")) {
            String name = c.get("name").asText();
            assertArrayEquals(InputFixtures.ints(c.get("ids")), tok.encode(c.get("text").asText()), name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer.json", "vocab.json+merges.txt"})
    void decodeMatchesEveryCase(String form) throws IOException {
        Qwen2Tokenizer tok = tokenizer(form);
        List<JsonNode> all = new ArrayList<>();
        cases.get("encode").forEach(all::add);
        cases.get("decode").forEach(all::add);
        for (JsonNode c : all) {
            String name = c.get("name").asText();
            int[] ids = InputFixtures.ints(c.get("ids"));
            assertEquals(c.get("decode").asText(), tok.decode(ids, false), name);
            assertEquals(c.get("decode_skip_special").asText(), tok.decode(ids, true), name + " (skip special)");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void streamingDecodeEqualsFullDecodeAndNeverEmitsHalfACharacter(boolean skipSpecial) throws IOException {
        Qwen2Tokenizer tok = tokenizer("tokenizer.json");
        List<JsonNode> all = new ArrayList<>();
        cases.get("encode").forEach(all::add);
        cases.get("decode").forEach(all::add);
        for (JsonNode c : all) {
            String name = c.get("name").asText();
            int[] ids = InputFixtures.ints(c.get("ids"));
            String full = tok.decode(ids, skipSpecial);
            StreamingDecoder stream = tok.newStreamingDecoder(skipSpecial);
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String piece = stream.accept(id);
                if (full.indexOf('\uFFFD') < 0) {
                    assertFalse(piece.indexOf('\uFFFD') >= 0, name + ": replacement character mid-stream");
                }
                assertFalse(!piece.isEmpty() && Character.isHighSurrogate(piece.charAt(piece.length() - 1)),
                        name + ": half a surrogate pair emitted");
                sb.append(piece);
            }
            sb.append(stream.finish());
            assertEquals(full, sb.toString(), name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer.json", "vocab.json+merges.txt"})
    void loneSurrogatesBehaveAsTheReference(String form) throws IOException {
        Qwen2Tokenizer tok = tokenizer(form);
        for (JsonNode c : cases.get("encode_errors")) {
            StringBuilder sb = new StringBuilder();
            c.get("utf16_units").forEach(u -> sb.append((char) u.asInt()));
            JsonNode outcome = c.get("outcome");
            if (outcome.has("ids")) {
                assertArrayEquals(InputFixtures.ints(outcome.get("ids")), tok.encode(sb.toString()),
                        c.get("name").asText());
            } else {
                assertThrows(IllegalArgumentException.class, () -> tok.encode(sb.toString()),
                        c.get("name").asText());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer.json", "vocab.json+merges.txt"})
    void specialIdsMatchTheReference(String form) throws IOException {
        Qwen2Tokenizer tok = tokenizer(form);
        JsonNode info = cases.get("tokenizer");
        assertEquals(info.get("eos_token_id").asInt(), tok.requireTokenId(info.get("eos_token").asText()));
        assertEquals(info.get("pad_token_id").asInt(), tok.requireTokenId(info.get("pad_token").asText()));
        assertEquals(info.get("vocab_size_with_added").asInt(), tok.idLimit());
    }
}
