package dev.vlmesh.events.quarkus;

import dev.vlmesh.events.tenant.ApiKeys;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Resolves the tenant of {@link Authenticated} requests from {@code Authorization: Bearer <key>} or
 * {@code X-API-Key}, against the hashed keys in {@code vlmesh.auth.api-keys}. Unknown or missing keys get a 401
 * problem. The tenant is left in the request property {@value #TENANT_PROPERTY}.
 */
@Provider
@Authenticated
@Priority(Priorities.AUTHENTICATION)
public class ApiKeyFilter implements ContainerRequestFilter {

    public static final String TENANT_PROPERTY = "vlmesh.tenant";

    private final ApiKeys keys;

    public ApiKeyFilter(@ConfigProperty(name = "vlmesh.auth.api-keys") String spec) {
        this.keys = ApiKeys.parse(spec);
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String key = request.getHeaderString("X-API-Key");
        String auth = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (key == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = auth.substring(7).trim();
        }
        String tenant = keys.tenantFor(key).orElse(null);
        if (tenant == null) {
            Problem p = Problem.of(401, "unauthorized", "Unauthorized", key == null
                    ? "Send your API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."
                    : "The API key is not valid.");
            request.abortWith(p.toResponse());
            return;
        }
        request.setProperty(TENANT_PROPERTY, tenant);
    }

    /** The tenant of the current request (only inside {@link Authenticated} resources). */
    public static String tenant(ContainerRequestContext request) {
        return (String) request.getProperty(TENANT_PROPERTY);
    }
}
