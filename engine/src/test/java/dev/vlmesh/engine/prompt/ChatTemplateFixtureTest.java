package dev.vlmesh.engine.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.tokenizer.Qwen2Tokenizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prompt strings and token ids of every fixture model's prompt cases (single tile, multi tile, two images, video
 * frames, two turns) equal the reference chat(), with the tokenizer of each checkpoint layout.
 */
class ChatTemplateFixtureTest {
    @Test
    void promptsAndIdsEqualTheReference() throws IOException {
        JsonNode catalogue = InputFixtures.json("models/catalogue.json");
        int checked = 0;
        for (JsonNode model : catalogue.get("models")) {
            String name = model.get("name").asText();
            int tokensPerTile = model.get("tokens_per_tile").asInt();
            JsonNode config = InputFixtures.json("models/" + name + "/original/config.json");
            assertEquals(tokensPerTile, ChatTemplate.tokensPerTile(config.get("force_image_size").asInt(),
                    config.get("vision_config").get("patch_size").asInt(), config.get("downsample_ratio").asDouble()),
                    name);
            ChatTemplate template = ChatTemplate.internVl25(tokensPerTile);
            Path hf = InputFixtures.file("models/" + name + "/hf");
            Path original = InputFixtures.file("models/" + name + "/original");
            List<Qwen2Tokenizer> tokenizers = List.of(Qwen2Tokenizer.load(hf), Qwen2Tokenizer.fromVocabAndMerges(original));
            int imageToken = model.get("image_token_id").asInt();
            for (JsonNode c : InputFixtures.json("outputs/" + name + "/cases.json").get("cases")) {
                String where = name + " " + c.get("name").asText();
                List<ChatTurn> history = new ArrayList<>();
                if (!c.get("history").isNull()) {
                    for (JsonNode t : c.get("history")) {
                        history.add(new ChatTurn(t.get(0).asText(), t.get(1).asText()));
                    }
                }
                List<Integer> tiles = new ArrayList<>();
                c.get("tiles_per_image").forEach(t -> tiles.add(t.asInt()));
                String question = c.get("question").asText();
                String query = template.query(history, question, tiles);
                assertEquals(c.get("prompt").asText(), query, where);
                String q = history.isEmpty() && !tiles.isEmpty() && !question.contains("<image>")
                        ? "<image>\n" + question : question;
                assertEquals(c.get("query_with_image_placeholders").asText(), template.render(history, q), where);
                for (Qwen2Tokenizer tok : tokenizers) {
                    int[] ids = template.queryIds(tok, history, question, tiles);
                    assertArrayEquals(InputFixtures.ints(c.get("input_ids")), ids, where);
                    long ctx = java.util.Arrays.stream(ids).filter(i -> i == imageToken).count();
                    assertEquals(c.get("num_image_context_tokens").asLong(), ctx, where);
                    assertEquals(imageToken, tok.requireTokenId(ChatTemplate.IMG_CONTEXT), where);
                }
                checked++;
            }
        }
        assertTrue(checked >= 5, "too few prompt cases: " + checked);
    }

    @Test
    void multiImageAndVideoPrefixesAreTheReferenceQuestions() throws IOException {
        JsonNode catalogue = InputFixtures.json("models/catalogue.json");
        String name = catalogue.get("models").get(0).get("name").asText();
        int seen = 0;
        for (JsonNode c : InputFixtures.json("outputs/" + name + "/cases.json").get("cases")) {
            String question = c.get("question").asText();
            int n = c.get("tiles_per_image").size();
            if (c.get("name").asText().equals("two_images")) {
                assertTrue(question.startsWith(ChatTemplate.imagesPrefix(n)), question);
                seen++;
            } else if (c.get("name").asText().equals("video")) {
                assertTrue(question.startsWith(ChatTemplate.framesPrefix(n)), question);
                seen++;
            }
        }
        assertEquals(2, seen, "expected the two_images and video cases");
    }

    @Test
    void moreImagesThanPlaceholdersIsRefused() {
        ChatTemplate t = ChatTemplate.internVl25(4);
        assertThrows(IllegalArgumentException.class,
                () -> t.query(List.of(), "Image-1: <image>\nwhat?", List.of(1, 2)));
    }
}
