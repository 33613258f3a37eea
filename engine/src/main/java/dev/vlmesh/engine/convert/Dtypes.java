package dev.vlmesh.engine.convert;

import java.util.Map;

/** Element sizes of the safetensors dtypes the converter moves (it never changes a dtype). */
final class Dtypes {
    private static final Map<String, Integer> FLOAT_BYTES = Map.of("F32", 4, "F16", 2, "BF16", 2, "F64", 8);

    private Dtypes() {
    }

    static boolean isFloat(String dtype) {
        return FLOAT_BYTES.containsKey(dtype);
    }

    static int elementBytes(String dtype) {
        Integer n = FLOAT_BYTES.get(dtype);
        if (n == null) {
            throw new IllegalArgumentException("not a floating dtype: " + dtype);
        }
        return n;
    }

    static long byteSize(String dtype, long[] shape) {
        long n = elementBytes(dtype);
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** PyTorch's legacy storage class for a dtype, as pickled in torch checkpoints. */
    static String torchStorage(String dtype) {
        return switch (dtype) {
            case "F32" -> "FloatStorage";
            case "F16" -> "HalfStorage";
            case "BF16" -> "BFloat16Storage";
            case "F64" -> "DoubleStorage";
            default -> throw new IllegalArgumentException("no torch storage for " + dtype);
        };
    }
}
