package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.prompt.ChatTurn;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One question to the model.
 *
 * <p>Prompt rules follow the reference {@code chat()}: every {@code <image>} in the prompt is replaced, in order, by
 * the next image's tokens (images first, then video frames). When the prompt has no {@code <image>} at all and
 * this is a first turn, a prefix is added: {@code "<image>\n"} for one image, {@code "Image-1: <image>\n…"} for
 * several, {@code "Frame1: <image>\n…"} for video frames (after the images' prefix). History turns carry no images.
 *
 * @param images        images, each tiled dynamically (up to {@code options.maxTiles} tiles + thumbnail)
 * @param videoFrames   frames already chosen from a video, one tile each
 * @param video         a video file to sample frames from (instead of {@code videoFrames}); null = none
 * @param systemMessage null = the template's default system message
 */
public record GenerationRequest(List<ImageInput> images, List<ImageInput> videoFrames, VideoInput video,
                                String prompt, List<ChatTurn> history, String systemMessage,
                                GenerationOptions options) {

    public GenerationRequest {
        images = List.copyOf(Objects.requireNonNullElse(images, List.of()));
        videoFrames = List.copyOf(Objects.requireNonNullElse(videoFrames, List.of()));
        history = List.copyOf(Objects.requireNonNullElse(history, List.of()));
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        if (video != null && !videoFrames.isEmpty()) {
            throw new IllegalArgumentException("give either a video file or video frames, not both");
        }
    }

    public static Builder builder(String prompt) {
        return new Builder(prompt);
    }

    public static final class Builder {
        private final String prompt;
        private final List<ImageInput> images = new ArrayList<>();
        private final List<ImageInput> frames = new ArrayList<>();
        private final List<ChatTurn> history = new ArrayList<>();
        private VideoInput video;
        private String systemMessage;
        private GenerationOptions options = GenerationOptions.greedy(1024);

        private Builder(String prompt) {
            this.prompt = prompt;
        }

        public Builder image(ImageInput image) {
            images.add(image);
            return this;
        }

        public Builder image(java.nio.file.Path file) {
            return image(ImageInput.file(file));
        }

        public Builder videoFrame(ImageInput frame) {
            frames.add(frame);
            return this;
        }

        /** A video file, sampled into {@code segments} one-tile frames when the request is prepared. */
        public Builder video(VideoInput v) {
            this.video = v;
            return this;
        }

        public Builder turn(String question, String answer) {
            history.add(new ChatTurn(question, answer));
            return this;
        }

        public Builder systemMessage(String message) {
            this.systemMessage = message;
            return this;
        }

        public Builder options(GenerationOptions o) {
            this.options = o;
            return this;
        }

        public GenerationRequest build() {
            return new GenerationRequest(images, frames, video, prompt, history, systemMessage, options);
        }
    }
}
