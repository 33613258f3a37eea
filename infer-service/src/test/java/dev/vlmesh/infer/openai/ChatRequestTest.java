package dev.vlmesh.infer.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.infer.backend.GenerationInput;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ChatRequest parse(String json) throws Exception {
        return ChatRequest.parse(JSON.readTree(json));
    }

    @Test
    void singleTurnWithImageKeepsTheQuestionPlain() throws Exception {
        ChatRequest r = parse("""
                {"model":"m","stream":true,"stream_options":{"include_usage":true},"max_tokens":7,"temperature":0,
                 "messages":[{"role":"user","content":[
                   {"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}},
                   {"type":"text","text":"Describe it."}]}]}""");
        assertEquals("Describe it.", r.question());
        assertEquals(List.of("data:image/png;base64,AA=="), r.imageUrls());
        assertTrue(r.stream());
        assertTrue(r.includeUsage());
        GenerationInput in = r.input(new MediaUrlResolver(List.of(), 100), 512, 1000, 6);
        assertEquals(7, in.maxNewTokens());
        assertTrue(in.greedy());
        assertNull(in.systemMessage());
    }

    @Test
    void imagesInHistoryGetExplicitPlaceholders() throws Exception {
        ChatRequest r = parse("""
                {"messages":[{"role":"system","content":"Be brief."},
                  {"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}},
                                            {"type":"text","text":"What is it?"}]},
                  {"role":"assistant","content":"A cat."},
                  {"role":"user","content":"What colour?"}]}""");
        assertEquals("Be brief.", r.systemMessage());
        assertEquals(List.of(new GenerationInput.Turn("Image-1: <image>\nWhat is it?", "A cat.")), r.history());
        assertEquals("What colour?", r.question());
        assertEquals(1, r.imageUrls().size());
    }

    @Test
    void refusesMalformedRequests() {
        String[] bad = {
            "[]",
            "{\"messages\":[]}",
            "{\"messages\":[{\"role\":\"assistant\",\"content\":\"hi\"}]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\"}]}",
            "{\"messages\":[{\"role\":\"tool\",\"content\":\"a\"}]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"audio\"}]}]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"n\":2}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"max_tokens\":0}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"\"}]}",
        };
        for (String b : bad) {
            ApiError e = assertThrows(ApiError.class, () -> parse(b), b);
            assertEquals(400, e.status(), b);
        }
        assertThrows(ApiError.class, () -> parse("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],"
                + "\"max_tokens\":99999}").input(new MediaUrlResolver(List.of(), 1), 10, 100, 6));
    }
}
