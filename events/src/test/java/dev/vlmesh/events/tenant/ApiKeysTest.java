package dev.vlmesh.events.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void keysResolveToTheirTenantOnly() {
        ApiKeys keys = ApiKeys.parse("acme:" + ApiKeys.hash("k-acme") + ", globex:" + ApiKeys.hash("k-globex"));
        assertEquals(Optional.of("acme"), keys.tenantFor("k-acme"));
        assertEquals(Optional.of("globex"), keys.tenantFor("k-globex"));
        assertEquals(Optional.empty(), keys.tenantFor("k-other"));
        assertEquals(Optional.empty(), keys.tenantFor(""));
        assertEquals(Optional.empty(), keys.tenantFor(null));
    }

    @Test
    void malformedEntriesAreRefusedWithTheEntry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ApiKeys.parse("acme:nothex"));
        assertTrue(e.getMessage().contains("acme:nothex"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.parse("../x:" + ApiKeys.hash("k")));
        assertTrue(ApiKeys.parse(" , ").isEmpty());
    }
}
