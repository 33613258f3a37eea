package dev.vlmesh.convert.store;

import java.io.InterruptedIOException;

/** Object-store calls are retried a few times with a growing pause; the last error is what the caller sees. */
final class Retry {

    @FunctionalInterface
    interface Call<T> {
        T run() throws Exception;
    }

    private Retry() {
    }

    static <T> T call(int attempts, long backoffMs, Call<T> call) throws Exception {
        Exception last = null;
        for (int i = 0; i < attempts; i++) {
            try {
                return call.run();
            } catch (InterruptedException | InterruptedIOException e) {
                throw e;
            } catch (Exception e) {
                last = e;
                if (i + 1 < attempts) {
                    Thread.sleep(backoffMs * (1L << i)); // backoff between attempts, not a wait for a condition
                }
            }
        }
        throw last;
    }
}
