package dev.vlmesh.ingest.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.vlmesh.ingest.media.Sha256;
import java.util.List;
import java.util.Map;

/**
 * The identity of a request for idempotency: SHA-256 of its validated fields and media identities as canonical JSON
 * (sorted keys), so that equal requests match however their JSON was written.
 */
public final class Fingerprints {
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private Fingerprints() {
    }

    public static String of(ValidatedJob job, List<MediaInput> media) {
        try {
            byte[] json = CANONICAL.writeValueAsBytes(Map.of("job", job,
                    "media", media.stream().map(MediaInput::identity).toList()));
            return Sha256.of(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String ofBytes(byte[] body) {
        return Sha256.of(body);
    }
}
