package dev.vlmesh.ingest.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.vlmesh.events.quarkus.Problem.ProblemException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Request bodies are read here rather than by the framework, so that a size cap applies while reading and every
 * JSON mistake becomes a problem that names the field: unknown fields are refused (a misspelt option would otherwise
 * be silently ignored).
 */
public final class JsonBodies {
    public static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private JsonBodies() {
    }

    /** Reads at most {@code max} bytes; more is a 413. */
    public static byte[] read(InputStream in, int max, String what) {
        if (in == null) {
            return new byte[0];
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + n > max) {
                    throw Problems.tooLarge(what + " is larger than " + max + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the request body", e);
        }
    }

    public static <T> T parse(byte[] body, Class<T> type, String what) {
        if (body.length == 0) {
            throw Problems.badRequest("the request body is empty: send " + what + " as JSON");
        }
        try {
            return STRICT.readValue(body, type);
        } catch (IOException e) {
            throw problem(e, what);
        }
    }

    public static <T> T convert(JsonNode node, Class<T> type, String what) {
        try {
            return STRICT.treeToValue(node, type);
        } catch (IOException e) {
            throw problem(e, what);
        }
    }

    public static ProblemException problem(IOException e, String what) {
        if (e instanceof JsonParseException p) {
            var loc = p.getLocation();
            return Problems.badRequest(what + " is not valid JSON (line " + loc.getLineNr() + ", column "
                    + loc.getColumnNr() + "): " + p.getOriginalMessage());
        }
        if (e instanceof JsonMappingException m) {
            String field = path(m);
            if (field.isEmpty()) {
                return Problems.badRequest(what + " must be a JSON object");
            }
            // Jackson's own messages name Java types; these name the field and what it takes
            String detail = switch (m) {
                case UnrecognizedPropertyException u -> "unknown field '" + field + "'"
                        + (u.getKnownPropertyIds() == null ? "" : " (known: " + u.getKnownPropertyIds() + ")");
                case InvalidFormatException f -> "field '" + field + "' cannot be " + quote(f.getValue()) + ": "
                        + "expected " + typeName(f.getTargetType());
                case MismatchedInputException mi -> "field '" + field + "' has the wrong type: expected "
                        + typeName(mi.getTargetType());
                default -> "field '" + field + "' has an invalid value";
            };
            return Problems.invalidField(field, detail);
        }
        return Problems.badRequest(what + " is not valid JSON");
    }

    private static String path(JsonMappingException m) {
        StringBuilder s = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                if (!s.isEmpty()) {
                    s.append('.');
                }
                s.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                s.append('[').append(r.getIndex()).append(']');
            }
        }
        return s.toString();
    }

    private static String quote(Object v) {
        String s = String.valueOf(v);
        return "'" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'";
    }

    private static String typeName(Class<?> t) {
        if (t == null) {
            return "another type";
        }
        if (Number.class.isAssignableFrom(t) || t.isPrimitive()) {
            return t == Double.class || t == double.class ? "a number" : "an integer";
        }
        if (t == String.class) {
            return "a string";
        }
        if (java.util.Collection.class.isAssignableFrom(t)) {
            return "a list";
        }
        return "an object";
    }
}
