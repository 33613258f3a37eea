package dev.vlmesh.engine.image;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The tiling grid of the model card's {@code dynamic_preprocess}: {@code columns} × {@code rows} tiles of the resized
 * image, row-major, plus a thumbnail of the whole image last when there is more than one tile.
 */
public record TileGrid(int columns, int rows) {
    public TileGrid {
        if (columns < 1 || rows < 1) {
            throw new IllegalArgumentException("grid " + columns + "x" + rows + " is empty");
        }
    }

    /** Tiles of the grid itself, without the thumbnail. */
    public int blocks() {
        return columns * rows;
    }

    /** Tiles fed to the model: the grid plus the thumbnail when the grid has more than one tile. */
    public int tilesWithThumbnail() {
        return blocks() == 1 ? 1 : blocks() + 1;
    }

    /**
     * The reference {@code find_closest_aspect_ratio} over all grids with 1 ≤ columns·rows ≤ maxTiles, taken in
     * increasing tile count: the smallest |W/H − columns/rows| wins; an equal difference goes to the later (larger)
     * grid only when the image has more than half of that grid's pixels ({@code W·H > 0.5·size²·columns·rows}).
     * Within one tile count the reference iterates a Python set; two grids of equal count can tie only at the exact
     * midpoint of their ratios, where some smaller grid always lies strictly closer, so that order never matters.
     */
    public static TileGrid choose(int width, int height, int maxTiles, int tileSize) {
        if (maxTiles < 1) {
            throw new IllegalArgumentException("maxTiles must be at least 1, got " + maxTiles);
        }
        double aspect = (double) width / height;
        double area = (double) width * height;
        List<int[]> candidates = new ArrayList<>();
        for (int i = 1; i <= maxTiles; i++) {
            for (int j = 1; i * j <= maxTiles; j++) {
                candidates.add(new int[] {i, j});
            }
        }
        candidates.sort(Comparator.comparingInt(c -> c[0] * c[1]));
        double bestDiff = Double.POSITIVE_INFINITY;
        int[] best = {1, 1};
        for (int[] c : candidates) {
            double diff = Math.abs(aspect - (double) c[0] / c[1]);
            if (diff < bestDiff) {
                bestDiff = diff;
                best = c;
            } else if (diff == bestDiff && area > 0.5 * tileSize * tileSize * c[0] * c[1]) {
                best = c;
            }
        }
        return new TileGrid(best[0], best[1]);
    }
}
