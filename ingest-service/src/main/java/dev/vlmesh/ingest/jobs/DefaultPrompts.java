package dev.vlmesh.ingest.jobs;

import dev.vlmesh.events.Task;

/**
 * Prompts for describe and OCR when the client sends none, in English and Chinese (InternVL3 is trained on both). The
 * wording follows the model card's own examples: a detailed description, and plain text out for OCR.
 */
public final class DefaultPrompts {
    private DefaultPrompts() {
    }

    public static String of(Task task, String language, boolean video) {
        boolean zh = "zh".equals(language);
        return switch (task) {
            case DESCRIBE -> video
                    ? (zh ? "请详细描述这个视频。" : "Please describe the video in detail.")
                    : (zh ? "请详细描述这张图片。" : "Please describe the image in detail.");
            case OCR -> video
                    ? (zh ? "请识别视频中出现的所有文字，只输出文字内容。"
                            : "Read all the text that appears in the video. Output only the text.")
                    : (zh ? "请识别图片中的所有文字，只输出文字内容，保留原有的换行。"
                            : "Read all the text in the image. Output only the text, keeping its line breaks.");
            case CHAT -> throw new IllegalArgumentException("chat has no default prompt");
        };
    }
}
