package dev.vlmesh.ingest.media;

import dev.vlmesh.engine.media.RandomAccessSource;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;
import java.io.IOException;

/**
 * An object read by HTTP range requests, pinned to one version by its ETag: if the object is replaced while it is
 * being verified, the next read fails instead of mixing two uploads. Put a
 * {@link dev.vlmesh.engine.media.BlockCachedSource} in front: header parsers read a few bytes at a time.
 */
public final class S3RangeSource implements RandomAccessSource {
    private final MinioClient s3;
    private final String bucket;
    private final String key;
    private final long size;
    private final String etag;

    public S3RangeSource(MinioClient s3, String bucket, String key, long size, String etag) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.size = size;
        this.etag = etag;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(long pos, byte[] buf, int off, int len) throws IOException {
        if (pos < 0 || pos >= size || len == 0) {
            return 0;
        }
        long n = Math.min(len, size - pos);
        try (GetObjectResponse in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).offset(pos)
                .length(n).matchETag(etag).build())) {
            int total = 0;
            while (total < n) {
                int r = in.read(buf, off + total, (int) n - total);
                if (r < 0) {
                    break;
                }
                total += r;
            }
            return total;
        } catch (ErrorResponseException e) {
            if ("PreconditionFailed".equals(e.errorResponse().code())) {
                throw new ObjectChangedException(key);
            }
            throw new IOException("reading " + key + " from the store: " + e.errorResponse().code(), e);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("reading " + key + " from the store: " + e.getMessage(), e);
        }
    }

    /** The object is no longer the version that was being verified. */
    public static final class ObjectChangedException extends IOException {
        public ObjectChangedException(String key) {
            super(key + " was replaced while it was being verified");
        }
    }
}
