package dev.vlmesh.engine.media;

/** Refused by a configured limit, read from the file size or the header before anything is decoded. */
public final class MediaLimitException extends MediaException {

    /** Which limit was exceeded. */
    public enum Limit {
        FILE_SIZE, PIXELS, DURATION, FRAMES
    }

    private final Limit limit;
    private final double actual;
    private final double maximum;

    public MediaLimitException(Limit limit, double actual, double maximum, String message) {
        super(message);
        this.limit = limit;
        this.actual = actual;
        this.maximum = maximum;
    }

    public Limit limit() {
        return limit;
    }

    public double actual() {
        return actual;
    }

    public double maximum() {
        return maximum;
    }

    @Override
    public String code() {
        return "media_too_large";
    }
}
