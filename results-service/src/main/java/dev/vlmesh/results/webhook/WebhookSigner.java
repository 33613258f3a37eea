package dev.vlmesh.results.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code webhook-signature: v1,base64(HMAC-SHA256(key, id + "." + timestamp + "." +
 * body))}, where the key is the base64 part of a {@code whsec_…} secret. Each tenant has its own secret, derived from
 * the deployment's master secret, so one tenant can neither verify nor forge another tenant's webhooks.
 */
public final class WebhookSigner {

    public static final String ID = "webhook-id";
    public static final String TIMESTAMP = "webhook-timestamp";
    public static final String SIGNATURE = "webhook-signature";
    private static final String PREFIX = "whsec_";

    private final byte[] master;

    public WebhookSigner(String masterSecret) {
        if (masterSecret == null || masterSecret.length() < 16) {
            throw new IllegalArgumentException("vlmesh.webhooks.master-secret must have at least 16 characters");
        }
        this.master = masterSecret.getBytes(StandardCharsets.UTF_8);
    }

    /** The tenant's signing secret, in the {@code whsec_<base64>} form receivers configure. */
    public String secretFor(String tenant) {
        return PREFIX + Base64.getEncoder().encodeToString(
                hmac(master, ("vlmesh-webhook-secret:" + tenant).getBytes(StandardCharsets.UTF_8)));
    }

    /** The {@code webhook-signature} header value for one message. */
    public static String sign(String secret, String id, long timestampSeconds, String body) {
        String b64 = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
        byte[] key = Base64.getDecoder().decode(b64);
        byte[] content = (id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8);
        return "v1," + Base64.getEncoder().encodeToString(hmac(key, content));
    }

    private static byte[] hmac(byte[] key, byte[] content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
