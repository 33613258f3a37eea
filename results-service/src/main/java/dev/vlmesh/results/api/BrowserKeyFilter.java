package dev.vlmesh.results.api;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;

/**
 * For {@link BrowserKey} endpoints only: when no key header is present, takes the key from the {@code api_key} query
 * parameter or the {@code vlmesh_api_key} cookie and hands it to the shared {@code ApiKeyFilter} as
 * {@code X-API-Key}, which runs right after this filter and does the actual check.
 *
 * <p>Trade-off: a key in a URL can end up in proxy logs and browser history, so clients that can set headers
 * should; the console uses the cookie (SameSite=Strict, path /v1), which never appears in URLs. Only GET
 * streams accept these forms, so a cross-site page cannot make a browser change anything with the cookie.
 */
@Provider
@BrowserKey
@Priority(Priorities.AUTHENTICATION - 10)
public class BrowserKeyFilter implements ContainerRequestFilter {

    public static final String QUERY_PARAM = "api_key";
    public static final String COOKIE = "vlmesh_api_key";

    @Override
    public void filter(ContainerRequestContext request) {
        if (request.getHeaderString("X-API-Key") != null || request.getHeaderString(HttpHeaders.AUTHORIZATION) != null) {
            return;
        }
        String key = request.getUriInfo().getQueryParameters().getFirst(QUERY_PARAM);
        if (key == null) {
            Cookie c = request.getCookies().get(COOKIE);
            // the console writes the cookie with encodeURIComponent
            key = c == null ? null : java.net.URLDecoder.decode(c.getValue(), java.nio.charset.StandardCharsets.UTF_8);
        }
        if (key != null && !key.isBlank()) {
            request.getHeaders().putSingle("X-API-Key", key.trim());
        }
    }
}
