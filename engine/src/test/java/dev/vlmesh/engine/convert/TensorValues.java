package dev.vlmesh.engine.convert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Small F32 tensors with chosen values, and the values a view streams, for checking splits by hand. */
final class TensorValues {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TensorValues() {
    }

    /** A tensor of {@code shape} holding {@code base + 0, base + 1, …} in row-major order. */
    static TensorData counting(float base, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        MemorySegment m = MemorySegment.ofArray(new byte[(int) n * 4]);
        for (int i = 0; i < n; i++) {
            m.set(F32, i * 4L, base + i);
        }
        return TensorData.of("F32", shape, m);
    }

    static TensorData of(float[] values, long... shape) {
        MemorySegment m = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            m.set(F32, i * 4L, values[i]);
        }
        return TensorData.of("F32", shape, m);
    }

    /** The values a tensor's view streams, in order. */
    static float[] values(TensorData t) {
        List<Float> out = new ArrayList<>();
        try {
            t.view().emitAll((src, off, len) -> {
                for (long b = 0; b < len; b += 4) {
                    out.add(src.get(F32, off + b));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    static float[] range(float from, int count) {
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            a[i] = from + i;
        }
        return a;
    }

    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] a = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, a, at, p.length);
            at += p.length;
        }
        return a;
    }
}
