package dev.vlmesh.infer.openai;

import dev.vlmesh.events.ErrorCodes;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Turns an {@code image_url} into bytes. {@code data:} URLs are decoded; {@code http(s)} URLs are fetched only
 * from allowed origins (by default just the object store's endpoint, where presigned media URLs point), with no
 * redirects, a timeout and a size limit — the server never becomes a proxy into the network it runs in.
 */
public final class MediaUrlResolver {

    private final List<String> allowedOrigins;
    private final long maxBytes;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** @param allowedOrigins origins such as {@code http://127.0.0.1:9000} */
    public MediaUrlResolver(List<String> allowedOrigins, long maxBytes) {
        this.allowedOrigins = allowedOrigins.stream().map(MediaUrlResolver::origin).toList();
        this.maxBytes = maxBytes;
    }

    public byte[] resolve(String url) throws ApiError {
        if (url == null || url.isBlank()) {
            throw new ApiError(400, ErrorCodes.MEDIA_INVALID, "image_url.url is empty");
        }
        if (url.regionMatches(true, 0, "data:", 0, 5)) {
            return decodeDataUrl(url);
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, ErrorCodes.MEDIA_INVALID, "image_url.url is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ApiError(400, ErrorCodes.MEDIA_INVALID, "image_url must be a data: URL or an http(s) URL");
        }
        if (uri.getRawUserInfo() != null || !allowedOrigins.contains(origin(url))) {
            throw new ApiError(400, "media_url_not_allowed", "image URLs are accepted only from " + allowedOrigins
                    + " (or send the image as a data: URL)");
        }
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET()
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                    throw new ApiError(400, ErrorCodes.MEDIA_NOT_FOUND, "fetching the image URL gave HTTP "
                            + r.statusCode());
                }
                byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (data.length > maxBytes) {
                    throw new ApiError(413, ErrorCodes.MEDIA_TOO_LARGE, "the image is larger than " + maxBytes
                            + " bytes");
                }
                return data;
            }
        } catch (IOException e) {
            throw new ApiError(502, ErrorCodes.MEDIA_NOT_FOUND, "could not fetch the image URL: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, ErrorCodes.INTERNAL, "interrupted");
        }
    }

    private byte[] decodeDataUrl(String url) throws ApiError {
        int comma = url.indexOf(',');
        if (comma < 0 || !url.substring(0, comma).toLowerCase(Locale.ROOT).endsWith(";base64")) {
            throw new ApiError(400, ErrorCodes.MEDIA_INVALID, "data: URLs must be base64 (data:<type>;base64,...)");
        }
        long approx = (long) (url.length() - comma - 1) * 3 / 4;
        if (approx > maxBytes + 3) {
            throw new ApiError(413, ErrorCodes.MEDIA_TOO_LARGE, "the image is larger than " + maxBytes + " bytes");
        }
        try {
            return Base64.getDecoder().decode(url.substring(comma + 1).strip());
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, ErrorCodes.MEDIA_INVALID, "the data: URL is not valid base64");
        }
    }

    /** scheme://host:port, lower-cased, with the default port made explicit. */
    static String origin(String url) {
        try {
            URI u = URI.create(url.strip());
            String scheme = u.getScheme().toLowerCase(Locale.ROOT);
            int port = u.getPort() != -1 ? u.getPort() : scheme.equals("https") ? 443 : 80;
            return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + port;
        } catch (RuntimeException e) {
            return "invalid:" + url;
        }
    }
}
