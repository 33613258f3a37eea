package dev.vlmesh.engine.media;

/** The bytes are not one of the accepted formats (by content, whatever the file is called). */
public final class UnsupportedMediaException extends MediaException {
    private final String detected;

    /**
     * @param detected what the content looks like instead ("a ZIP archive", "a PDF document"), or null when unknown
     */
    public UnsupportedMediaException(String message, String detected) {
        super(message);
        this.detected = detected;
    }

    public String detected() {
        return detected;
    }

    @Override
    public String code() {
        return "unsupported_media";
    }
}
