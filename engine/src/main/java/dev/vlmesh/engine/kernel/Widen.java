package dev.vlmesh.engine.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Loads of stored weights widened to float32 in registers: bf16 is the top half of a float32; f16 is rebuilt with
 * integer operations (exponent rebias by a multiply by 2^112, which also handles subnormals). f16 infinities and
 * NaNs are not reproduced; weights never contain them. Q8_0 int8 quants are sign-extended and converted.
 */
final class Widen {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /**
     * int8 lanes for Q8_0 quants: {@code L} bytes per load where such a shape exists (64 bits on AVX2, 128 on
     * AVX-512), else the smallest shape (64 bits) whose lanes are widened in {@link #Q8_PARTS} parts.
     */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, 8 * L)));
    /** Float vectors per int8 load. */
    static final int Q8_PARTS = B.length() / L;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final float TWO_POW_112 = 0x1p112f;

    private Widen() {
    }

    /** {@code L} bf16 values at byte offset {@code off}. */
    static FloatVector bf16(MemorySegment seg, long off) {
        IntVector i = (IntVector) ShortVector.fromMemorySegment(S, seg, off, LE).convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** {@code L} f16 values at byte offset {@code off}. */
    static FloatVector f16(MemorySegment seg, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, off, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        FloatVector mag = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(TWO_POW_112);
        return mag.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    /** {@link #B}{@code .length()} int8 values at byte offset {@code off}; widen each part with {@link #q8}. */
    static ByteVector q8Load(MemorySegment seg, long off) {
        return ByteVector.fromMemorySegment(B, seg, off, LE);
    }

    /** Lanes {@code [part·L, part·L + L)} of an int8 load as floats (exact). */
    static FloatVector q8(ByteVector v, int part) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, F, part);
    }

    /** {@code L} f32 values at byte offset {@code off}. */
    static FloatVector f32(MemorySegment seg, long off) {
        return FloatVector.fromMemorySegment(F, seg, off, LE);
    }
}
