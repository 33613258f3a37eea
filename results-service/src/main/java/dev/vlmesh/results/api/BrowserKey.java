package dev.vlmesh.results.api;

import jakarta.ws.rs.NameBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks read-only streaming endpoints that also accept the API key from the {@code api_key} query parameter or the
 * {@code vlmesh_api_key} cookie, because a browser's EventSource cannot send headers. See {@link BrowserKeyFilter}.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface BrowserKey {
}
