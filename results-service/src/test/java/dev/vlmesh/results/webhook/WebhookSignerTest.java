package dev.vlmesh.results.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    @Test
    void reproducesThePublishedStandardWebhooksVector() {
        // the test vector published with the Standard Webhooks specification and its reference libraries
        assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                WebhookSigner.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                        1614265330L, "{\"test\": 2432232314}"));
    }

    @Test
    void eachTenantHasItsOwnStableSecret() {
        WebhookSigner s = new WebhookSigner("a-master-secret-of-some-length");
        assertTrue(s.secretFor("demo").startsWith("whsec_"));
        assertEquals(s.secretFor("demo"), new WebhookSigner("a-master-secret-of-some-length").secretFor("demo"));
        assertNotEquals(s.secretFor("demo"), s.secretFor("other"));
        assertNotEquals(s.secretFor("demo"), new WebhookSigner("another-master-secret-00").secretFor("demo"));
    }

    @Test
    void refusesAShortMasterSecret() {
        assertThrows(IllegalArgumentException.class, () -> new WebhookSigner("short"));
    }
}
