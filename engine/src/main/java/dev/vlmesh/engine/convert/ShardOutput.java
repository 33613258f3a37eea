package dev.vlmesh.engine.convert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Future;

/**
 * One output file of a shard, written in a single sequential pass: tensor bytes arrive in plan order. The file is
 * written under a temporary name, hashed while it is written, forced to disk and renamed by {@link #finish()}.
 */
interface ShardOutput extends AutoCloseable {

    void beginTensor(int index) throws IOException;

    /**
     * The next bytes of the current tensor. The buffer's position is not changed; its contents must stay as they are
     * until the returned future is done (they are hashed in the background).
     */
    Future<?> write(ByteBuffer bytes) throws IOException;

    void endTensor() throws IOException;

    /** Completes the file and makes it visible under its final name. */
    FileDigest finish() throws IOException;

    /** Abandons the file (deletes the temporary), if {@link #finish()} did not run. */
    @Override
    void close();
}
