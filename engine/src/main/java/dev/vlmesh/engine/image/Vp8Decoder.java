package dev.vlmesh.engine.image;

/**
 * A VP8 key-frame decoder (the lossy WebP payload) producing RGB exactly as libwebp's default RGB(A) output does, which
 * is what Pillow returns. The YUV reconstruction follows RFC 6386 (boolean entropy decoder, intra prediction with the
 * 127/129 frame borders and unfiltered neighbours, dequantisation, inverse WHT and DCT, normal and simple loop
 * filters); libwebp is bit-exact to it. The colour conversion is libwebp's: "fancy" chroma upsampling (each output
 * pixel mixes the 2×2 nearest chroma samples 9:3:3:1) and its 14-bit fixed-point BT.601 YUV→RGB.
 */
final class Vp8Decoder {
    private static final int[] ZIGZAG = {0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15};
    private static final int[] BANDS = {0, 1, 2, 3, 6, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 0};
    private static final int[][] CAT_PROBS = {
            {173, 148, 140}, {176, 155, 140, 135}, {180, 157, 141, 134, 130},
            {254, 254, 243, 230, 196, 177, 153, 140, 133, 130, 129}};

    // intra modes, RFC order; the 16x16 / chroma modes reuse the first four values
    private static final int B_DC = 0, B_TM = 1, B_VE = 2, B_HE = 3, B_LD = 4, B_RD = 5, B_VR = 6, B_VL = 7,
            B_HD = 8, B_HU = 9;
    private static final int TYPE_Y_AFTER_Y2 = 0, TYPE_Y2 = 1, TYPE_UV = 2, TYPE_Y_WITH_DC = 3;

    private Vp8Decoder() {
    }

    /** The boolean entropy decoder of RFC 6386 §7; bytes past the end read as zero. */
    private static final class BoolDecoder {
        private final byte[] buf;
        private int pos;
        private final int end;
        private int value;
        private int range = 255;
        private int bitCount;

        BoolDecoder(byte[] buf, int start, int end) {
            this.buf = buf;
            this.pos = start;
            this.end = end;
            value = (next() << 8) | next();
        }

        private int next() {
            return pos < end ? buf[pos++] & 0xFF : 0;
        }

        int bit(int prob) {
            int split = 1 + (((range - 1) * prob) >> 8);
            int bigSplit = split << 8;
            int r;
            if (value >= bigSplit) {
                r = 1;
                range -= split;
                value -= bigSplit;
            } else {
                r = 0;
                range = split;
            }
            while (range < 128) {
                value <<= 1;
                range <<= 1;
                if (++bitCount == 8) {
                    bitCount = 0;
                    value |= next();
                }
            }
            return r;
        }

        int literal(int bits) {
            int v = 0;
            while (bits-- > 0) {
                v = (v << 1) | bit(128);
            }
            return v;
        }

        int signedLiteral(int bits) {
            int v = literal(bits);
            return bit(128) == 1 ? -v : v;
        }

        int optionalSigned(int bits) {
            return bit(128) == 1 ? signedLiteral(bits) : 0;
        }
    }

    /** Per-segment dequantisation factors: y1 dc/ac, y2 dc/ac, uv dc/ac. */
    private record Quant(int y1dc, int y1ac, int y2dc, int y2ac, int uvdc, int uvac) {
    }

    /** Per-(segment, i4x4) loop-filter strength. */
    private record FilterStrength(int limit, int interior, int hevThreshold) {
    }

    private static int clip(int v, int max) {
        return v < 0 ? 0 : Math.min(v, max);
    }

    private static int clip255(int v) {
        return v < 0 ? 0 : (v > 255 ? 255 : v);
    }

    static RgbImage decode(byte[] d, int off, int len) throws ImageDecodeException {
        if (len < 10) {
            throw new ImageDecodeException("truncated WebP: VP8 frame header");
        }
        int tag = (d[off] & 0xFF) | ((d[off + 1] & 0xFF) << 8) | ((d[off + 2] & 0xFF) << 16);
        boolean keyFrame = (tag & 1) == 0;
        int profile = (tag >> 1) & 7;
        boolean show = ((tag >> 4) & 1) == 1;
        int part0Size = tag >>> 5;
        if (!keyFrame || profile > 3 || !show) {
            throw new ImageDecodeException("unsupported WebP: VP8 frame is not a displayable key frame");
        }
        if ((d[off + 3] & 0xFF) != 0x9D || (d[off + 4] & 0xFF) != 0x01 || (d[off + 5] & 0xFF) != 0x2A) {
            throw new ImageDecodeException("corrupt WebP: bad VP8 start code");
        }
        int width = ((d[off + 6] & 0xFF) | ((d[off + 7] & 0xFF) << 8)) & 0x3FFF;
        int height = ((d[off + 8] & 0xFF) | ((d[off + 9] & 0xFF) << 8)) & 0x3FFF;
        if (width == 0 || height == 0) {
            throw new ImageDecodeException("corrupt WebP: VP8 frame of size " + width + "x" + height);
        }
        int p0 = off + 10;
        int end = off + len;
        if (part0Size > end - p0) {
            throw new ImageDecodeException("truncated WebP: VP8 first partition needs " + part0Size + " bytes");
        }
        BoolDecoder br = new BoolDecoder(d, p0, p0 + part0Size);
        br.bit(128); // colour space
        br.bit(128); // clamping type

        // segment header
        boolean useSegment = br.bit(128) == 1;
        boolean updateMap = false;
        boolean absoluteDelta = false;
        int[] segQuant = new int[4];
        int[] segFilter = new int[4];
        int[] segProbs = {255, 255, 255};
        if (useSegment) {
            updateMap = br.bit(128) == 1;
            if (br.bit(128) == 1) {
                absoluteDelta = br.bit(128) == 1;
                for (int s = 0; s < 4; s++) {
                    segQuant[s] = br.optionalSigned(7);
                }
                for (int s = 0; s < 4; s++) {
                    segFilter[s] = br.optionalSigned(6);
                }
            }
            if (updateMap) {
                for (int s = 0; s < 3; s++) {
                    segProbs[s] = br.bit(128) == 1 ? br.literal(8) : 255;
                }
            }
        }
        // filter header
        boolean simpleFilter = br.bit(128) == 1;
        int level = br.literal(6);
        int sharpness = br.literal(3);
        boolean useLfDelta = br.bit(128) == 1;
        int[] refLfDelta = new int[4];
        int[] modeLfDelta = new int[4];
        if (useLfDelta && br.bit(128) == 1) {
            for (int i = 0; i < 4; i++) {
                if (br.bit(128) == 1) {
                    refLfDelta[i] = br.signedLiteral(6);
                }
            }
            for (int i = 0; i < 4; i++) {
                if (br.bit(128) == 1) {
                    modeLfDelta[i] = br.signedLiteral(6);
                }
            }
        }
        int filterType = level == 0 ? 0 : (simpleFilter ? 1 : 2);

        // token partitions
        int numParts = 1 << br.literal(2);
        int partSizes = p0 + part0Size;
        int partStart = partSizes + 3 * (numParts - 1);
        if (partStart > end) {
            throw new ImageDecodeException("truncated WebP: VP8 partition table");
        }
        BoolDecoder[] parts = new BoolDecoder[numParts];
        int left = end - partStart;
        for (int p = 0; p < numParts - 1; p++) {
            int at = partSizes + 3 * p;
            int size = (d[at] & 0xFF) | ((d[at + 1] & 0xFF) << 8) | ((d[at + 2] & 0xFF) << 16);
            size = Math.min(size, left);
            parts[p] = new BoolDecoder(d, partStart, partStart + size);
            partStart += size;
            left -= size;
        }
        if (partStart >= end) {
            throw new ImageDecodeException("truncated WebP: VP8 token partitions end before their data");
        }
        parts[numParts - 1] = new BoolDecoder(d, partStart, end);

        // quantisers
        int baseQ = br.literal(7);
        int dqY1dc = br.optionalSigned(4);
        int dqY2dc = br.optionalSigned(4);
        int dqY2ac = br.optionalSigned(4);
        int dqUVdc = br.optionalSigned(4);
        int dqUVac = br.optionalSigned(4);
        Quant[] quants = new Quant[4];
        for (int s = 0; s < 4; s++) {
            int q = useSegment ? (absoluteDelta ? segQuant[s] : segQuant[s] + baseQ) : baseQ;
            int y2ac = Vp8Tables.AC_Q[clip(q + dqY2ac, 127)] * 101581 >> 16;
            quants[s] = new Quant(Vp8Tables.DC_Q[clip(q + dqY1dc, 127)], Vp8Tables.AC_Q[clip(q, 127)],
                    Vp8Tables.DC_Q[clip(q + dqY2dc, 127)] * 2, Math.max(y2ac, 8),
                    Vp8Tables.DC_Q[clip(q + dqUVdc, 117)], Vp8Tables.AC_Q[clip(q + dqUVac, 127)]);
        }
        br.bit(128); // refresh entropy probs: irrelevant for a single frame

        int[] probs = Vp8Tables.COEFF_PROBS.clone();
        for (int i = 0; i < probs.length; i++) {
            if (br.bit(Vp8Tables.COEFF_UPDATE_PROBS[i]) == 1) {
                probs[i] = br.literal(8);
            }
        }
        boolean useSkipProb = br.bit(128) == 1;
        int skipProb = useSkipProb ? br.literal(8) : 0;

        FilterStrength[][] strengths = new FilterStrength[4][2];
        for (int s = 0; s < 4; s++) {
            int base = useSegment ? (absoluteDelta ? segFilter[s] : segFilter[s] + level) : level;
            for (int i4 = 0; i4 <= 1; i4++) {
                int lv = base;
                if (useLfDelta) {
                    lv += refLfDelta[0];
                    if (i4 == 1) {
                        lv += modeLfDelta[0];
                    }
                }
                lv = clip(lv, 63);
                if (lv > 0) {
                    int il = lv;
                    if (sharpness > 0) {
                        il >>= sharpness > 4 ? 2 : 1;
                        il = Math.min(il, 9 - sharpness);
                    }
                    il = Math.max(il, 1);
                    strengths[s][i4] = new FilterStrength(2 * lv + il, il, lv >= 40 ? 2 : (lv >= 15 ? 1 : 0));
                } else {
                    strengths[s][i4] = new FilterStrength(0, 0, 0);
                }
            }
        }

        Frame f = new Frame(width, height, probs);
        int[] intraTop = new int[f.mbw * 4];
        int[] intraLeft = new int[4];
        int[] nzTop = new int[f.mbw];      // bits 0-3 Y columns, 4-5 U, 6-7 V
        int[] nzDcTop = new int[f.mbw];
        int[] subModes = new int[16];
        short[] coeffs = new short[25 * 16];
        short[] y2 = new short[16];
        int[] ctx = new int[4];
        FilterStrength[] mbStrength = new FilterStrength[f.mbw * f.mbh];
        boolean[] mbInner = new boolean[f.mbw * f.mbh];
        for (int mby = 0; mby < f.mbh; mby++) {
            java.util.Arrays.fill(intraLeft, B_DC);
            int nzLeft = 0;
            int nzDcLeft = 0;
            BoolDecoder tokens = parts[mby & (numParts - 1)];
            for (int mbx = 0; mbx < f.mbw; mbx++) {
                // modes (first partition)
                int segment = 0;
                if (updateMap) {
                    segment = br.bit(segProbs[0]) == 0 ? br.bit(segProbs[1]) : 2 + br.bit(segProbs[2]);
                }
                boolean skip = useSkipProb && br.bit(skipProb) == 1;
                boolean i4x4 = br.bit(145) == 0;
                int ymode = B_DC;
                if (!i4x4) {
                    ymode = br.bit(156) == 1 ? (br.bit(128) == 1 ? B_TM : B_HE) : (br.bit(163) == 1 ? B_VE : B_DC);
                    for (int i = 0; i < 4; i++) {
                        intraTop[mbx * 4 + i] = ymode;
                        intraLeft[i] = ymode;
                    }
                } else {
                    for (int y = 0; y < 4; y++) {
                        int l = intraLeft[y];
                        for (int x = 0; x < 4; x++) {
                            int a = intraTop[mbx * 4 + x];
                            int m = readSubblockMode(br, (a * 10 + l) * 9);
                            subModes[y * 4 + x] = m;
                            intraTop[mbx * 4 + x] = m;
                            l = m;
                        }
                        intraLeft[y] = l;
                    }
                }
                int uvmode = br.bit(142) == 0 ? B_DC : (br.bit(114) == 0 ? B_VE : (br.bit(183) == 1 ? B_TM : B_HE));

                // residuals (token partition)
                java.util.Arrays.fill(coeffs, (short) 0);
                Quant q = quants[segment];
                boolean noCoeffs;
                if (!skip) {
                    ctx[0] = nzTop[mbx];
                    ctx[1] = nzLeft;
                    ctx[2] = nzDcTop[mbx];
                    ctx[3] = nzDcLeft;
                    noCoeffs = parseResiduals(tokens, f.probs, q, i4x4, coeffs, y2, ctx);
                    nzTop[mbx] = ctx[0];
                    nzLeft = ctx[1];
                    nzDcTop[mbx] = ctx[2];
                    nzDcLeft = ctx[3];
                } else {
                    noCoeffs = true;
                    nzTop[mbx] = 0;
                    nzLeft = 0;
                    if (!i4x4) {
                        nzDcTop[mbx] = 0;
                        nzDcLeft = 0;
                    }
                }
                f.reconstruct(mbx, mby, i4x4, ymode, subModes, uvmode, coeffs);
                mbStrength[mby * f.mbw + mbx] = strengths[segment][i4x4 ? 1 : 0];
                mbInner[mby * f.mbw + mbx] = i4x4 || !noCoeffs;
            }
        }
        if (filterType > 0) {
            for (int mby = 0; mby < f.mbh; mby++) {
                for (int mbx = 0; mbx < f.mbw; mbx++) {
                    FilterStrength s = mbStrength[mby * f.mbw + mbx];
                    if (s.limit() > 0) {
                        f.filter(mbx, mby, filterType == 1, s, mbInner[mby * f.mbw + mbx]);
                    }
                }
            }
        }
        return f.toRgb();
    }

    /** The sub-block mode tree of RFC 6386 §11.2 with the key-frame probabilities at {@code base}. */
    private static int readSubblockMode(BoolDecoder br, int base) {
        int[] p = Vp8Tables.KF_BMODE_PROBS;
        if (br.bit(p[base]) == 0) {
            return B_DC;
        }
        if (br.bit(p[base + 1]) == 0) {
            return B_TM;
        }
        if (br.bit(p[base + 2]) == 0) {
            return B_VE;
        }
        if (br.bit(p[base + 3]) == 0) {
            if (br.bit(p[base + 4]) == 0) {
                return B_HE;
            }
            return br.bit(p[base + 5]) == 0 ? B_RD : B_VR;
        }
        if (br.bit(p[base + 6]) == 0) {
            return B_LD;
        }
        if (br.bit(p[base + 7]) == 0) {
            return B_VL;
        }
        return br.bit(p[base + 8]) == 0 ? B_HD : B_HU;
    }

    private static int probOffset(int type, int band, int ctx) {
        return ((type * 8 + band) * 3 + ctx) * 11;
    }

    /**
     * Reads the tokens of one 4x4 block from position {@code first}, dequantised into {@code out} (raster order).
     *
     * @return the position after the last non-zero coefficient (16 when a run of zeros reaches the end)
     */
    private static int readCoefficients(BoolDecoder br, int[] probs, int type, int ctx, int dcq, int acq,
                                        int first, short[] out, int outOff) {
        int n = first;
        int p = probOffset(type, BANDS[n], ctx);
        while (n < 16) {
            if (br.bit(probs[p]) == 0) {
                return n; // end of block
            }
            while (br.bit(probs[p + 1]) == 0) { // zero token; the next cannot be end of block
                n++;
                if (n == 16) {
                    return 16;
                }
                p = probOffset(type, BANDS[n], 0);
            }
            int v;
            int nextCtx;
            if (br.bit(probs[p + 2]) == 0) {
                v = 1;
                nextCtx = 1;
            } else {
                v = largeValue(br, probs, p);
                nextCtx = 2;
            }
            int signed = br.bit(128) == 1 ? -v : v;
            out[outOff + ZIGZAG[n]] = (short) (signed * (n > 0 ? acq : dcq));
            n++;
            p = probOffset(type, BANDS[n], nextCtx);
        }
        return 16;
    }

    private static int largeValue(BoolDecoder br, int[] probs, int p) {
        if (br.bit(probs[p + 3]) == 0) {
            if (br.bit(probs[p + 4]) == 0) {
                return 2;
            }
            return 3 + br.bit(probs[p + 5]);
        }
        if (br.bit(probs[p + 6]) == 0) {
            if (br.bit(probs[p + 7]) == 0) {
                return 5 + br.bit(159);
            }
            int v = 7 + 2 * br.bit(165);
            return v + br.bit(145);
        }
        int bit1 = br.bit(probs[p + 8]);
        int bit0 = br.bit(probs[p + 9 + bit1]);
        int cat = 2 * bit1 + bit0;
        int v = 0;
        for (int prob : CAT_PROBS[cat]) {
            v = v + v + br.bit(prob);
        }
        return v + 3 + (8 << cat);
    }

    /**
     * Parses the residuals of one macroblock. {@code ctx} holds (top nz bits, left nz bits, top Y2 nz, left Y2 nz)
     * and is updated. Returns true when nothing non-zero was coded (libwebp's rule, which decides inner-edge
     * filtering).
     */
    private static boolean parseResiduals(BoolDecoder br, int[] probs, Quant q, boolean i4x4, short[] c, short[] dc,
                                          int[] ctx) {
        int first;
        int type;
        if (!i4x4) {
            java.util.Arrays.fill(dc, (short) 0);
            int nz = readCoefficients(br, probs, TYPE_Y2, ctx[2] + ctx[3], q.y2dc(), q.y2ac(), 0, dc, 0);
            ctx[2] = ctx[3] = nz > 0 ? 1 : 0;
            if (nz > 1) {
                inverseWht(dc, c);
            } else {
                int dc0 = (dc[0] + 3) >> 3;
                for (int i = 0; i < 16; i++) {
                    c[i * 16] = (short) dc0;
                }
            }
            first = 1;
            type = TYPE_Y_AFTER_Y2;
        } else {
            first = 0;
            type = TYPE_Y_WITH_DC;
        }
        boolean any = false;
        int tnz = ctx[0] & 0x0F;
        int lnz = ctx[1] & 0x0F;
        int newTop = 0;
        int newLeft = 0;
        for (int y = 0; y < 4; y++) {
            int l = (lnz >> y) & 1;
            for (int x = 0; x < 4; x++) {
                int t = (tnz >> x) & 1;
                int block = y * 4 + x;
                int nz = readCoefficients(br, probs, type, t + l, q.y1dc(), q.y1ac(), first, c, block * 16);
                l = nz > first ? 1 : 0;
                tnz = (tnz & ~(1 << x)) | (l << x);
                any |= nz > 1 || c[block * 16] != 0;
            }
            newLeft |= l << y;
        }
        newTop = tnz;
        int uvTop = ctx[0] >> 4;
        int uvLeft = ctx[1] >> 4;
        int outTop = 0;
        int outLeft = 0;
        for (int ch = 0; ch < 2; ch++) {
            int tz = (uvTop >> (2 * ch)) & 3;
            int lz = (uvLeft >> (2 * ch)) & 3;
            for (int y = 0; y < 2; y++) {
                int l = (lz >> y) & 1;
                for (int x = 0; x < 2; x++) {
                    int t = (tz >> x) & 1;
                    int block = 16 + ch * 4 + y * 2 + x;
                    int nz = readCoefficients(br, probs, TYPE_UV, t + l, q.uvdc(), q.uvac(), 0, c, block * 16);
                    l = nz > 0 ? 1 : 0;
                    tz = (tz & ~(1 << x)) | (l << x);
                    any |= nz > 1 || c[block * 16] != 0;
                }
                lz = (lz & ~(1 << y)) | (l << y);
            }
            outTop |= tz << (2 * ch);
            outLeft |= lz << (2 * ch);
        }
        ctx[0] = newTop | (outTop << 4);
        ctx[1] = newLeft | (outLeft << 4);
        return !any;
    }

    private static void inverseWht(short[] in, short[] out) {
        int[] tmp = new int[16]; // once per 16x16 macroblock
        for (int i = 0; i < 4; i++) {
            int a0 = in[i] + in[12 + i];
            int a1 = in[4 + i] + in[8 + i];
            int a2 = in[4 + i] - in[8 + i];
            int a3 = in[i] - in[12 + i];
            tmp[i] = a0 + a1;
            tmp[8 + i] = a0 - a1;
            tmp[4 + i] = a3 + a2;
            tmp[12 + i] = a3 - a2;
        }
        for (int i = 0; i < 4; i++) {
            int dc = tmp[i * 4] + 3;
            int a0 = dc + tmp[3 + i * 4];
            int a1 = tmp[1 + i * 4] + tmp[2 + i * 4];
            int a2 = tmp[1 + i * 4] - tmp[2 + i * 4];
            int a3 = dc - tmp[3 + i * 4];
            out[(i * 4) * 16] = (short) ((a0 + a1) >> 3);
            out[(i * 4 + 1) * 16] = (short) ((a3 + a2) >> 3);
            out[(i * 4 + 2) * 16] = (short) ((a0 - a1) >> 3);
            out[(i * 4 + 3) * 16] = (short) ((a3 - a2) >> 3);
        }
    }

    /** The decoded planes of a frame (whole macroblocks) and the reconstruction and filtering steps. */
    private static final class Frame {
        final int width;
        final int height;
        final int mbw;
        final int mbh;
        final int yStride;
        final int uvStride;
        final byte[] y;
        final byte[] u;
        final byte[] v;
        final int[] probs;
        // work areas: luma 17 rows x 21 columns (top-left, 16, 4 top-right), chroma 9 x 9
        private final int[] wy = new int[17 * 21];
        private final int[] wu = new int[9 * 9];
        private final int[] wv = new int[9 * 9];
        private final int[] block = new int[16];
        private final int[] edge = new int[9];
        private final int[] idctTmp = new int[16];

        Frame(int width, int height, int[] probs) {
            this.width = width;
            this.height = height;
            this.mbw = (width + 15) >> 4;
            this.mbh = (height + 15) >> 4;
            this.yStride = mbw * 16;
            this.uvStride = mbw * 8;
            this.y = new byte[yStride * mbh * 16];
            this.u = new byte[uvStride * mbh * 8];
            this.v = new byte[uvStride * mbh * 8];
            this.probs = probs;
        }

        /** Fills a work area's top row and left column from the (unfiltered) planes, with the 127/129 borders. */
        private void loadBorders(int[] w, int ws, int size, byte[] plane, int stride, int mbx, int mby, boolean luma) {
            int x0 = mbx * size;
            int y0 = mby * size;
            int cols = luma ? size + 4 : size;
            if (mby == 0) {
                for (int i = 0; i <= cols; i++) {
                    w[i] = 127;
                }
            } else {
                int row = (y0 - 1) * stride;
                w[0] = mbx == 0 ? 129 : plane[row + x0 - 1] & 0xFF;
                for (int i = 0; i < size; i++) {
                    w[1 + i] = plane[row + x0 + i] & 0xFF;
                }
                if (luma) {
                    for (int i = 0; i < 4; i++) {
                        w[1 + size + i] = mbx == mbw - 1 ? plane[row + x0 + size - 1] & 0xFF
                                : plane[row + x0 + size + i] & 0xFF;
                    }
                }
            }
            for (int j = 0; j < size; j++) {
                w[(1 + j) * ws] = mbx == 0 ? 129 : plane[(y0 + j) * stride + x0 - 1] & 0xFF;
            }
            if (luma) {
                // sub-blocks in the right column below the first row use the macroblock's top-right pixels
                for (int r = 4; r <= 12; r += 4) {
                    for (int i = 0; i < 4; i++) {
                        w[r * ws + 1 + size + i] = w[1 + size + i];
                    }
                }
            }
        }

        private static void store(int[] w, int ws, int size, byte[] plane, int stride, int mbx, int mby) {
            int x0 = mbx * size;
            int y0 = mby * size;
            for (int j = 0; j < size; j++) {
                for (int i = 0; i < size; i++) {
                    plane[(y0 + j) * stride + x0 + i] = (byte) w[(1 + j) * ws + 1 + i];
                }
            }
        }

        void reconstruct(int mbx, int mby, boolean i4x4, int ymode, int[] subModes, int uvmode, short[] c) {
            loadBorders(wy, 21, 16, y, yStride, mbx, mby, true);
            if (i4x4) {
                for (int b = 0; b < 16; b++) {
                    int at = (1 + (b >> 2) * 4) * 21 + 1 + (b & 3) * 4;
                    predict4(wy, at, 21, subModes[b]);
                    idctAdd(c, b * 16, wy, at, 21);
                }
            } else {
                predictBlock(wy, 21, 16, ymode, mbx, mby);
                for (int b = 0; b < 16; b++) {
                    idctAdd(c, b * 16, wy, (1 + (b >> 2) * 4) * 21 + 1 + (b & 3) * 4, 21);
                }
            }
            store(wy, 21, 16, y, yStride, mbx, mby);
            loadBorders(wu, 9, 8, u, uvStride, mbx, mby, false);
            loadBorders(wv, 9, 8, v, uvStride, mbx, mby, false);
            predictBlock(wu, 9, 8, uvmode, mbx, mby);
            predictBlock(wv, 9, 8, uvmode, mbx, mby);
            for (int b = 0; b < 4; b++) {
                int at = (1 + (b >> 1) * 4) * 9 + 1 + (b & 1) * 4;
                idctAdd(c, (16 + b) * 16, wu, at, 9);
                idctAdd(c, (20 + b) * 16, wv, at, 9);
            }
            store(wu, 9, 8, u, uvStride, mbx, mby);
            store(wv, 9, 8, v, uvStride, mbx, mby);
        }

        /** 16x16 luma or 8x8 chroma prediction (DC, V, H, TM); DC uses only the edges inside the frame. */
        private static void predictBlock(int[] w, int ws, int size, int mode, int mbx, int mby) {
            int shift = size == 16 ? 4 : 3;
            switch (mode) {
                case B_DC -> {
                    int dc;
                    if (mbx > 0 && mby > 0) {
                        int s = 0;
                        for (int i = 0; i < size; i++) {
                            s += w[1 + i] + w[(1 + i) * ws];
                        }
                        dc = (s + size) >> (shift + 1);
                    } else if (mby > 0) {
                        int s = 0;
                        for (int i = 0; i < size; i++) {
                            s += w[1 + i];
                        }
                        dc = (s + (size >> 1)) >> shift;
                    } else if (mbx > 0) {
                        int s = 0;
                        for (int i = 0; i < size; i++) {
                            s += w[(1 + i) * ws];
                        }
                        dc = (s + (size >> 1)) >> shift;
                    } else {
                        dc = 128;
                    }
                    for (int j = 0; j < size; j++) {
                        for (int i = 0; i < size; i++) {
                            w[(1 + j) * ws + 1 + i] = dc;
                        }
                    }
                }
                case B_VE -> {
                    for (int j = 0; j < size; j++) {
                        for (int i = 0; i < size; i++) {
                            w[(1 + j) * ws + 1 + i] = w[1 + i];
                        }
                    }
                }
                case B_HE -> {
                    for (int j = 0; j < size; j++) {
                        int l = w[(1 + j) * ws];
                        for (int i = 0; i < size; i++) {
                            w[(1 + j) * ws + 1 + i] = l;
                        }
                    }
                }
                default -> { // TM
                    int tl = w[0];
                    for (int j = 0; j < size; j++) {
                        int l = w[(1 + j) * ws];
                        for (int i = 0; i < size; i++) {
                            w[(1 + j) * ws + 1 + i] = clip255(l + w[1 + i] - tl);
                        }
                    }
                }
            }
        }

        private static int avg3(int a, int b, int c) {
            return (a + 2 * b + c + 2) >> 2;
        }

        private static int avg2(int a, int b) {
            return (a + b + 1) >> 1;
        }

        /** 4x4 sub-block prediction at {@code at} (its top-left pixel) from the pixels around it. */
        private void predict4(int[] w, int at, int ws, int mode) {
            int top = at - ws;
            int x = w[top - 1];
            int a = w[top], b = w[top + 1], cc = w[top + 2], d = w[top + 3];
            int e = w[top + 4], f = w[top + 5], g = w[top + 6], h = w[top + 7];
            int i = w[at - 1], j = w[at + ws - 1], k = w[at + 2 * ws - 1], l = w[at + 3 * ws - 1];
            int[] p = block;
            switch (mode) {
                case B_DC -> {
                    int dc = (a + b + cc + d + i + j + k + l + 4) >> 3;
                    java.util.Arrays.fill(p, dc);
                }
                case B_TM -> {
                    for (int r = 0; r < 4; r++) {
                        int left = w[at + r * ws - 1];
                        p[r * 4] = clip255(left + a - x);
                        p[r * 4 + 1] = clip255(left + b - x);
                        p[r * 4 + 2] = clip255(left + cc - x);
                        p[r * 4 + 3] = clip255(left + d - x);
                    }
                }
                case B_VE -> {
                    int v0 = avg3(x, a, b), v1 = avg3(a, b, cc), v2 = avg3(b, cc, d), v3 = avg3(cc, d, e);
                    for (int r = 0; r < 4; r++) {
                        p[r * 4] = v0;
                        p[r * 4 + 1] = v1;
                        p[r * 4 + 2] = v2;
                        p[r * 4 + 3] = v3;
                    }
                }
                case B_HE -> {
                    java.util.Arrays.fill(p, 0, 4, avg3(x, i, j));
                    java.util.Arrays.fill(p, 4, 8, avg3(i, j, k));
                    java.util.Arrays.fill(p, 8, 12, avg3(j, k, l));
                    java.util.Arrays.fill(p, 12, 16, avg3(k, l, l));
                }
                case B_LD -> {
                    int[] t = edge; // a..h, h
                    t[0] = a;
                    t[1] = b;
                    t[2] = cc;
                    t[3] = d;
                    t[4] = e;
                    t[5] = f;
                    t[6] = g;
                    t[7] = h;
                    t[8] = h;
                    for (int r = 0; r < 4; r++) {
                        for (int s = 0; s < 4; s++) {
                            int n = r + s;
                            p[r * 4 + s] = avg3(t[n], t[n + 1], t[n + 2]);
                        }
                    }
                }
                case B_RD -> {
                    // bottom-left to top-right: l, k, j, i, x, a, b, c, d
                    edge[0] = l;
                    edge[1] = k;
                    edge[2] = j;
                    edge[3] = i;
                    edge[4] = x;
                    edge[5] = a;
                    edge[6] = b;
                    edge[7] = cc;
                    edge[8] = d;
                    for (int r = 0; r < 4; r++) {
                        for (int s = 0; s < 4; s++) {
                            int n = 3 - r + s;
                            p[r * 4 + s] = avg3(edge[n], edge[n + 1], edge[n + 2]);
                        }
                    }
                }
                case B_VR -> {
                    set(p, 0, 0, avg2(x, a));
                    set(p, 1, 2, avg2(x, a));
                    set(p, 1, 0, avg2(a, b));
                    set(p, 2, 2, avg2(a, b));
                    set(p, 2, 0, avg2(b, cc));
                    set(p, 3, 2, avg2(b, cc));
                    set(p, 3, 0, avg2(cc, d));
                    set(p, 0, 3, avg3(k, j, i));
                    set(p, 0, 2, avg3(j, i, x));
                    set(p, 0, 1, avg3(i, x, a));
                    set(p, 1, 3, avg3(i, x, a));
                    set(p, 1, 1, avg3(x, a, b));
                    set(p, 2, 3, avg3(x, a, b));
                    set(p, 2, 1, avg3(a, b, cc));
                    set(p, 3, 3, avg3(a, b, cc));
                    set(p, 3, 1, avg3(b, cc, d));
                }
                case B_VL -> {
                    set(p, 0, 0, avg2(a, b));
                    set(p, 1, 0, avg2(b, cc));
                    set(p, 0, 2, avg2(b, cc));
                    set(p, 2, 0, avg2(cc, d));
                    set(p, 1, 2, avg2(cc, d));
                    set(p, 3, 0, avg2(d, e));
                    set(p, 2, 2, avg2(d, e));
                    set(p, 0, 1, avg3(a, b, cc));
                    set(p, 1, 1, avg3(b, cc, d));
                    set(p, 0, 3, avg3(b, cc, d));
                    set(p, 2, 1, avg3(cc, d, e));
                    set(p, 1, 3, avg3(cc, d, e));
                    set(p, 3, 1, avg3(d, e, f));
                    set(p, 2, 3, avg3(d, e, f));
                    set(p, 3, 2, avg3(e, f, g));
                    set(p, 3, 3, avg3(f, g, h));
                }
                case B_HD -> {
                    set(p, 0, 0, avg2(i, x));
                    set(p, 2, 1, avg2(i, x));
                    set(p, 0, 1, avg2(j, i));
                    set(p, 2, 2, avg2(j, i));
                    set(p, 0, 2, avg2(k, j));
                    set(p, 2, 3, avg2(k, j));
                    set(p, 0, 3, avg2(l, k));
                    set(p, 3, 0, avg3(a, b, cc));
                    set(p, 2, 0, avg3(x, a, b));
                    set(p, 1, 0, avg3(i, x, a));
                    set(p, 3, 1, avg3(i, x, a));
                    set(p, 1, 1, avg3(j, i, x));
                    set(p, 3, 2, avg3(j, i, x));
                    set(p, 1, 2, avg3(k, j, i));
                    set(p, 3, 3, avg3(k, j, i));
                    set(p, 1, 3, avg3(l, k, j));
                }
                default -> { // B_HU
                    set(p, 0, 0, avg2(i, j));
                    set(p, 2, 0, avg2(j, k));
                    set(p, 0, 1, avg2(j, k));
                    set(p, 2, 1, avg2(k, l));
                    set(p, 0, 2, avg2(k, l));
                    set(p, 1, 0, avg3(i, j, k));
                    set(p, 3, 0, avg3(j, k, l));
                    set(p, 1, 1, avg3(j, k, l));
                    set(p, 3, 1, avg3(k, l, l));
                    set(p, 1, 2, avg3(k, l, l));
                    set(p, 3, 2, l);
                    set(p, 2, 2, l);
                    set(p, 0, 3, l);
                    set(p, 1, 3, l);
                    set(p, 2, 3, l);
                    set(p, 3, 3, l);
                }
            }
            for (int r = 0; r < 4; r++) {
                System.arraycopy(p, r * 4, w, at + r * ws, 4);
            }
        }

        /** p[x, y] = value (column x, row y). */
        private static void set(int[] p, int x, int y, int value) {
            p[y * 4 + x] = value;
        }

        private static int mul1(int a) {
            return ((a * 20091) >> 16) + a;
        }

        private static int mul2(int a) {
            return (a * 35468) >> 16;
        }

        /** Inverse DCT of a 4x4 block added to the prediction at {@code at}. */
        private void idctAdd(short[] in, int off, int[] w, int at, int ws) {
            boolean zero = true;
            for (int n = 0; n < 16; n++) {
                if (in[off + n] != 0) {
                    zero = false;
                    break;
                }
            }
            if (zero) {
                return;
            }
            int[] tmp = idctTmp;
            for (int i = 0; i < 4; i++) {
                int a = in[off + i] + in[off + 8 + i];
                int b = in[off + i] - in[off + 8 + i];
                int c = mul2(in[off + 4 + i]) - mul1(in[off + 12 + i]);
                int d = mul1(in[off + 4 + i]) + mul2(in[off + 12 + i]);
                tmp[i * 4] = a + d;
                tmp[i * 4 + 1] = b + c;
                tmp[i * 4 + 2] = b - c;
                tmp[i * 4 + 3] = a - d;
            }
            for (int i = 0; i < 4; i++) {
                int dc = tmp[i] + 4;
                int a = dc + tmp[8 + i];
                int b = dc - tmp[8 + i];
                int c = mul2(tmp[4 + i]) - mul1(tmp[12 + i]);
                int d = mul1(tmp[4 + i]) + mul2(tmp[12 + i]);
                int row = at + i * ws;
                w[row] = clip255(w[row] + ((a + d) >> 3));
                w[row + 1] = clip255(w[row + 1] + ((b + c) >> 3));
                w[row + 2] = clip255(w[row + 2] + ((b - c) >> 3));
                w[row + 3] = clip255(w[row + 3] + ((a - d) >> 3));
            }
        }

        // ------------------------------------------------------------------ loop filter

        void filter(int mbx, int mby, boolean simple, FilterStrength s, boolean inner) {
            int limit = s.limit();
            int yAt = mby * 16 * yStride + mbx * 16;
            if (simple) {
                if (mbx > 0) {
                    simpleFilter(y, yAt, 1, yStride, 16, limit + 4);
                }
                if (inner) {
                    for (int k = 4; k < 16; k += 4) {
                        simpleFilter(y, yAt + k, 1, yStride, 16, limit);
                    }
                }
                if (mby > 0) {
                    simpleFilter(y, yAt, yStride, 1, 16, limit + 4);
                }
                if (inner) {
                    for (int k = 4; k < 16; k += 4) {
                        simpleFilter(y, yAt + k * yStride, yStride, 1, 16, limit);
                    }
                }
                return;
            }
            int il = s.interior();
            int hev = s.hevThreshold();
            int uvAt = mby * 8 * uvStride + mbx * 8;
            if (mbx > 0) {
                edgeFilter(y, yAt, 1, yStride, 16, limit + 4, il, hev, true);
                edgeFilter(u, uvAt, 1, uvStride, 8, limit + 4, il, hev, true);
                edgeFilter(v, uvAt, 1, uvStride, 8, limit + 4, il, hev, true);
            }
            if (inner) {
                for (int k = 4; k < 16; k += 4) {
                    edgeFilter(y, yAt + k, 1, yStride, 16, limit, il, hev, false);
                }
                edgeFilter(u, uvAt + 4, 1, uvStride, 8, limit, il, hev, false);
                edgeFilter(v, uvAt + 4, 1, uvStride, 8, limit, il, hev, false);
            }
            if (mby > 0) {
                edgeFilter(y, yAt, yStride, 1, 16, limit + 4, il, hev, true);
                edgeFilter(u, uvAt, uvStride, 1, 8, limit + 4, il, hev, true);
                edgeFilter(v, uvAt, uvStride, 1, 8, limit + 4, il, hev, true);
            }
            if (inner) {
                for (int k = 4; k < 16; k += 4) {
                    edgeFilter(y, yAt + k * yStride, yStride, 1, 16, limit, il, hev, false);
                }
                edgeFilter(u, uvAt + 4 * uvStride, uvStride, 1, 8, limit, il, hev, false);
                edgeFilter(v, uvAt + 4 * uvStride, uvStride, 1, 8, limit, il, hev, false);
            }
        }

        private static int px(byte[] b, int i) {
            return b[i] & 0xFF;
        }

        private static int sclamp(int v, int lo, int hi) {
            return v < lo ? lo : Math.min(v, hi);
        }

        /**
         * Filters {@code count} positions along an edge. {@code step} crosses the edge (1 for a vertical edge),
         * {@code along} moves to the next position.
         */
        private static void simpleFilter(byte[] b, int at, int step, int along, int count, int thresh) {
            int t2 = 2 * thresh + 1;
            for (int n = 0; n < count; n++, at += along) {
                int p1 = px(b, at - 2 * step), p0 = px(b, at - step), q0 = px(b, at), q1 = px(b, at + step);
                if (4 * Math.abs(p0 - q0) + Math.abs(p1 - q1) <= t2) {
                    filter2(b, at, step, p1, p0, q0, q1);
                }
            }
        }

        private static void filter2(byte[] b, int at, int step, int p1, int p0, int q0, int q1) {
            int a = 3 * (q0 - p0) + sclamp(p1 - q1, -128, 127);
            int a1 = sclamp((a + 4) >> 3, -16, 15);
            int a2 = sclamp((a + 3) >> 3, -16, 15);
            b[at - step] = (byte) clip255(p0 + a2);
            b[at] = (byte) clip255(q0 - a1);
        }

        private static void edgeFilter(byte[] b, int at, int step, int along, int count, int thresh, int interior,
                                       int hevThresh, boolean macroblockEdge) {
            int t2 = 2 * thresh + 1;
            for (int n = 0; n < count; n++, at += along) {
                int p3 = px(b, at - 4 * step), p2 = px(b, at - 3 * step), p1 = px(b, at - 2 * step);
                int p0 = px(b, at - step), q0 = px(b, at), q1 = px(b, at + step);
                int q2 = px(b, at + 2 * step), q3 = px(b, at + 3 * step);
                if (4 * Math.abs(p0 - q0) + Math.abs(p1 - q1) > t2) {
                    continue;
                }
                if (Math.abs(p3 - p2) > interior || Math.abs(p2 - p1) > interior || Math.abs(p1 - p0) > interior
                        || Math.abs(q3 - q2) > interior || Math.abs(q2 - q1) > interior
                        || Math.abs(q1 - q0) > interior) {
                    continue;
                }
                boolean hev = Math.abs(p1 - p0) > hevThresh || Math.abs(q1 - q0) > hevThresh;
                if (hev) {
                    filter2(b, at, step, p1, p0, q0, q1);
                } else if (macroblockEdge) {
                    int a = sclamp(3 * (q0 - p0) + sclamp(p1 - q1, -128, 127), -128, 127);
                    int a1 = (27 * a + 63) >> 7;
                    int a2 = (18 * a + 63) >> 7;
                    int a3 = (9 * a + 63) >> 7;
                    b[at - 3 * step] = (byte) clip255(p2 + a3);
                    b[at - 2 * step] = (byte) clip255(p1 + a2);
                    b[at - step] = (byte) clip255(p0 + a1);
                    b[at] = (byte) clip255(q0 - a1);
                    b[at + step] = (byte) clip255(q1 - a2);
                    b[at + 2 * step] = (byte) clip255(q2 - a3);
                } else {
                    int a = 3 * (q0 - p0);
                    int a1 = sclamp((a + 4) >> 3, -16, 15);
                    int a2 = sclamp((a + 3) >> 3, -16, 15);
                    int a3 = (a1 + 1) >> 1;
                    b[at - 2 * step] = (byte) clip255(p1 + a3);
                    b[at - step] = (byte) clip255(p0 + a2);
                    b[at] = (byte) clip255(q0 - a1);
                    b[at + step] = (byte) clip255(q1 - a3);
                }
            }
        }

        // ------------------------------------------------------------------ colour conversion

        private static int multHi(int v, int coeff) {
            return (v * coeff) >> 8;
        }

        private static int clip8(int v) {
            return (v & ~16383) == 0 ? v >> 6 : (v < 0 ? 0 : 255);
        }

        /** libwebp's "fancy" upsampling and YUV→RGB over the visible area. */
        RgbImage toRgb() {
            byte[] rgb = new byte[width * height * 3];
            int cw = (width + 1) >> 1;
            int ch = (height + 1) >> 1;
            int[] ru = new int[width];
            int[] rv = new int[width];
            for (int row = 0; row < height; row++) {
                int near = row >> 1;
                int far = (row & 1) == 1 ? near + 1 : near - 1;
                far = Math.max(0, Math.min(far, ch - 1));
                upsampleRow(u, near * uvStride, far * uvStride, cw, width, ru);
                upsampleRow(v, near * uvStride, far * uvStride, cw, width, rv);
                int o = row * width * 3;
                int yRow = row * yStride;
                for (int x = 0; x < width; x++, o += 3) {
                    int yy = multHi(y[yRow + x] & 0xFF, 19077);
                    int uu = ru[x];
                    int vv = rv[x];
                    rgb[o] = (byte) clip8(yy + multHi(vv, 26149) - 14234);
                    rgb[o + 1] = (byte) clip8(yy - multHi(uu, 6419) - multHi(vv, 13320) + 8708);
                    rgb[o + 2] = (byte) clip8(yy + multHi(uu, 33050) - 17685);
                }
            }
            return new RgbImage(width, height, rgb);
        }

        /** One output row of chroma: weights 3:1 between the near and far chroma rows, then 3:1 horizontally. */
        private static void upsampleRow(byte[] plane, int nearRow, int farRow, int cw, int width, int[] out) {
            int n0 = plane[nearRow] & 0xFF;
            int f0 = plane[farRow] & 0xFF;
            out[0] = (3 * n0 + f0 + 2) >> 2;
            int last = (width - 1) >> 1;
            for (int x = 1; x <= last; x++) {
                int n1 = plane[nearRow + x] & 0xFF;
                int f1 = plane[farRow + x] & 0xFF;
                int avg = n0 + n1 + f0 + f1 + 8;
                int diag12 = (avg + 2 * (n1 + f0)) >> 3;
                int diag03 = (avg + 2 * (n0 + f1)) >> 3;
                out[2 * x - 1] = (diag12 + n0) >> 1;
                out[2 * x] = (diag03 + n1) >> 1;
                n0 = n1;
                f0 = f1;
            }
            if ((width & 1) == 0) {
                out[width - 1] = (3 * n0 + f0 + 2) >> 2;
            }
        }
    }
}
