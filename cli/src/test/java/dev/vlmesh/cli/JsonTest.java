package dev.vlmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesWhatTheServicesSend() {
        Object v = Json.parse("""
                {"id":"job_1","status":"succeeded","text":"两个圆形\\n\\"quoted\\" \\u00e9",
                 "usage":{"completion_tokens":12,"ratio":0.5},"segments":[1,2.5e1,null,true,false],
                 "links":{}}""");
        assertEquals("job_1", Json.str(v, "id"));
        assertEquals("两个圆形\n\"quoted\" é", Json.str(v, "text"));
        assertEquals(12L, Json.at(v, "usage.completion_tokens"));
        assertEquals("12", Json.str(v, "usage.completion_tokens"));
        assertEquals(0.5, Json.at(v, "usage.ratio"));
        assertEquals(java.util.Arrays.asList(1L, 25.0, null, true, false), Json.at(v, "segments"));
        assertEquals(Map.of(), Json.at(v, "links"));
        assertEquals(null, Json.at(v, "usage.missing.deeper"));
    }

    @Test
    void writesAndReadsBack() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("model", "internvl3");
        m.put("layers", List.of(List.of(6L, 8L), List.of()));
        m.put("note", "tab\there \"q\" \u0001");
        m.put("none", null);
        String s = Json.write(m);
        assertEquals(m, Json.parse(s));
        assertTrue(s.contains("\\u0001"));
    }

    @Test
    void rejectsBrokenJson() {
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1} x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"open"));
        assertEquals(Map.of(), Json.object("<html>502 Bad Gateway</html>"));
    }
}
