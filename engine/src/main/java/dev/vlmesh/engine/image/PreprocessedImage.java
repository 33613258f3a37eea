package dev.vlmesh.engine.image;

import java.util.List;

/**
 * One image ready for the vision encoder: the grid chosen, the uint8 tiles in model order (row-major grid, thumbnail
 * last) and their normalised float32 pixel values.
 */
public record PreprocessedImage(TileGrid grid, List<RgbImage> tiles, PixelValues pixelValues) {
    public int tileCount() {
        return tiles.size();
    }
}
