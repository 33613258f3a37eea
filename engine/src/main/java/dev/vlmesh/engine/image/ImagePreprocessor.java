package dev.vlmesh.engine.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference {@code load_image}: decode to RGB, {@code dynamic_preprocess} (grid by aspect ratio, Pillow bicubic
 * resize to the grid, row-major tiles, a thumbnail of the whole image last when there is more than one tile), then
 * ToTensor + ImageNet normalisation into one float32 [tiles, 3, size, size] array. Video frames use
 * {@link #frame(RgbImage)} (max_num 1: one resized tile, no thumbnail). Stateless and thread-safe.
 */
public final class ImagePreprocessor {
    /** Largest grid the model card allows (its max_num default). */
    public static final int MAX_TILES_LIMIT = 12;

    private final int tileSize;
    private final int maxTiles;
    private final ImageDecoder decoder;

    /**
     * @param tileSize the model's {@code force_image_size} (448 for InternVL3)
     * @param maxTiles the reference's {@code max_num}, 1..12
     */
    public ImagePreprocessor(int tileSize, int maxTiles, ImageLimits limits) {
        if (tileSize < 1 || tileSize > 4096) {
            throw new IllegalArgumentException("tile size " + tileSize + " is out of range");
        }
        if (maxTiles < 1 || maxTiles > MAX_TILES_LIMIT) {
            throw new IllegalArgumentException("max tiles must be 1.." + MAX_TILES_LIMIT + ", got " + maxTiles);
        }
        this.tileSize = tileSize;
        this.maxTiles = maxTiles;
        this.decoder = new ImageDecoder(limits);
    }

    public int tileSize() {
        return tileSize;
    }

    public int maxTiles() {
        return maxTiles;
    }

    public ImageDecoder decoder() {
        return decoder;
    }

    public PreprocessedImage load(Path file) throws IOException {
        return preprocess(decoder.decode(file));
    }

    public PreprocessedImage load(byte[] data) throws ImageDecodeException {
        return preprocess(decoder.decode(data));
    }

    public PreprocessedImage preprocess(RgbImage image) {
        return preprocess(image, maxTiles);
    }

    /** One video frame: a single tileSize×tileSize bicubic resize (dynamic_preprocess with max_num 1). */
    public PreprocessedImage frame(RgbImage image) {
        return preprocess(image, 1);
    }

    private PreprocessedImage preprocess(RgbImage image, int max) {
        TileGrid grid = TileGrid.choose(image.width(), image.height(), max, tileSize);
        List<RgbImage> tiles = tiles(image, grid);
        return new PreprocessedImage(grid, List.copyOf(tiles), normalize(tiles));
    }

    private List<RgbImage> tiles(RgbImage image, TileGrid grid) {
        RgbImage resized = PilBicubic.resize(image, tileSize * grid.columns(), tileSize * grid.rows());
        List<RgbImage> tiles = new ArrayList<>(grid.tilesWithThumbnail());
        for (int k = 0; k < grid.blocks(); k++) {
            int col = k % grid.columns();
            int row = k / grid.columns();
            tiles.add(grid.blocks() == 1 ? resized : resized.crop(col * tileSize, row * tileSize, tileSize, tileSize));
        }
        if (grid.blocks() != 1) {
            tiles.add(PilBicubic.resize(image, tileSize, tileSize));
        }
        return tiles;
    }

    private PixelValues normalize(List<RgbImage> tiles) {
        int stride = 3 * tileSize * tileSize;
        float[] data = new float[tiles.size() * stride];
        for (int t = 0; t < tiles.size(); t++) {
            ImageNetNormalizer.normalizeInto(tiles.get(t), data, t * stride);
        }
        return new PixelValues(tiles.size(), tileSize, data);
    }

    /** The pixel values of several images or frames, concatenated in order (the reference's torch.cat). */
    public static PixelValues concat(List<PixelValues> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no pixel values to concatenate");
        }
        int size = parts.get(0).size();
        int tiles = 0;
        for (PixelValues p : parts) {
            if (p.size() != size) {
                throw new IllegalArgumentException("tile sizes differ: " + size + " and " + p.size());
            }
            tiles += p.tiles();
        }
        float[] data = new float[tiles * 3 * size * size];
        int off = 0;
        for (PixelValues p : parts) {
            System.arraycopy(p.data(), 0, data, off, p.data().length);
            off += p.data().length;
        }
        return new PixelValues(tiles, size, data);
    }
}
