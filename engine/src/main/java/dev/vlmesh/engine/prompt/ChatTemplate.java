package dev.vlmesh.engine.prompt;

import dev.vlmesh.engine.tokenizer.Qwen2Tokenizer;

import java.util.List;

/**
 * The {@code internvl2_5} conversation template (MPT style) and the prompt construction of the reference
 * {@code InternVLChatModel.chat()}.
 *
 * <pre>
 * &lt;|im_start|&gt;system\n{system}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;user\n{q1}&lt;|im_end|&gt;\n&lt;|im_start|&gt;assistant\n{a1}&lt;|im_end|&gt;\n   (history)
 * &lt;|im_start|&gt;user\n{question}&lt;|im_end|&gt;\n&lt;|im_start|&gt;assistant\n
 * </pre>
 *
 * Then each {@code <image>}, first occurrence first (history included, as the reference's {@code str.replace(…, 1)}
 * does), becomes {@code <img>} + {@code <IMG_CONTEXT>} × tokensPerTile·tiles + {@code </img>}. When there is no
 * history, images are given and the question has no {@code <image>}, {@code "<image>\n"} is put in front of it.
 */
public final class ChatTemplate {
    /** InternVL2.5/3's system message, exactly as in the reference template. */
    public static final String DEFAULT_SYSTEM_MESSAGE =
            "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。";
    public static final String IMAGE_PLACEHOLDER = "<image>";
    public static final String IMG_START = "<img>";
    public static final String IMG_END = "</img>";
    public static final String IMG_CONTEXT = "<IMG_CONTEXT>";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";

    private static final String SEP = IM_END + "\n";
    private static final String USER = IM_START + "user\n";
    private static final String ASSISTANT = IM_START + "assistant\n";

    private final String systemMessage;
    private final int tokensPerTile;

    /**
     * @param systemMessage the system message ({@link #DEFAULT_SYSTEM_MESSAGE} for the reference behaviour)
     * @param tokensPerTile vision tokens per tile, see {@link #tokensPerTile(int, int, double)}
     */
    public ChatTemplate(String systemMessage, int tokensPerTile) {
        if (systemMessage == null) {
            throw new IllegalArgumentException("systemMessage is null");
        }
        if (tokensPerTile < 1) {
            throw new IllegalArgumentException("tokensPerTile must be positive, got " + tokensPerTile);
        }
        this.systemMessage = systemMessage;
        this.tokensPerTile = tokensPerTile;
    }

    /** The reference template with the default system message. */
    public static ChatTemplate internVl25(int tokensPerTile) {
        return new ChatTemplate(DEFAULT_SYSTEM_MESSAGE, tokensPerTile);
    }

    /**
     * The reference's {@code num_image_token = int((image_size // patch_size) ** 2 * downsample_ratio ** 2)}: 256
     * for 448 / 14 / 0.5.
     */
    public static int tokensPerTile(int imageSize, int patchSize, double downsampleRatio) {
        if (imageSize < 1 || patchSize < 1 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image size " + imageSize + " is not a positive multiple of patch "
                    + patchSize);
        }
        int side = imageSize / patchSize;
        int n = (int) ((double) side * side * (downsampleRatio * downsampleRatio));
        if (n < 1) {
            throw new IllegalArgumentException("no vision tokens per tile for size " + imageSize + ", patch "
                    + patchSize + ", ratio " + downsampleRatio);
        }
        return n;
    }

    public int tokensPerTile() {
        return tokensPerTile;
    }

    public String systemMessage() {
        return systemMessage;
    }

    /** {@code Image-1: <image>\nImage-2: <image>\n…}, the reference's multi-image question prefix. */
    public static String imagesPrefix(int imageCount) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= imageCount; i++) {
            sb.append("Image-").append(i).append(": ").append(IMAGE_PLACEHOLDER).append('\n');
        }
        return sb.toString();
    }

    /** {@code Frame1: <image>\nFrame2: <image>\n…}, the reference's video question prefix. */
    public static String framesPrefix(int frameCount) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= frameCount; i++) {
            sb.append("Frame").append(i).append(": ").append(IMAGE_PLACEHOLDER).append('\n');
        }
        return sb.toString();
    }

    /** The conversation text with {@code <image>} placeholders still in place (no prepend rule applied). */
    public String render(List<ChatTurn> history, String question) {
        StringBuilder sb = new StringBuilder();
        sb.append(IM_START).append("system\n").append(systemMessage).append(SEP);
        for (ChatTurn t : history) {
            sb.append(USER).append(t.question()).append(SEP);
            sb.append(ASSISTANT).append(t.answer()).append(SEP);
        }
        sb.append(USER).append(question).append(SEP);
        sb.append(ASSISTANT);
        return sb.toString();
    }

    /**
     * Replaces the first remaining {@code <image>} for each image in order. Placeholders left over stay as text,
     * as in the reference.
     *
     * @throws IllegalArgumentException when there are more images than placeholders
     */
    public String expandImages(String rendered, List<Integer> tilesPerImage) {
        StringBuilder sb = new StringBuilder(rendered.length() + 16 * tokensPerTile * sum(tilesPerImage));
        int from = 0;
        int index = 0;
        for (int tiles : tilesPerImage) {
            if (tiles < 1) {
                throw new IllegalArgumentException("image " + (index + 1) + " has " + tiles + " tiles");
            }
            int at = rendered.indexOf(IMAGE_PLACEHOLDER, from);
            if (at < 0) {
                throw new IllegalArgumentException(tilesPerImage.size() + " images but only " + index
                        + " <image> placeholders in the prompt");
            }
            sb.append(rendered, from, at).append(IMG_START);
            sb.repeat(IMG_CONTEXT, tokensPerTile * tiles);
            sb.append(IMG_END);
            from = at + IMAGE_PLACEHOLDER.length();
            index++;
        }
        sb.append(rendered, from, rendered.length());
        return sb.toString();
    }

    private static int sum(List<Integer> xs) {
        int s = 0;
        for (int x : xs) {
            s += x;
        }
        return s;
    }

    /**
     * The query string of the reference {@code chat(question, history, num_patches_list)}: the prepend rule, the
     * template, and image expansion.
     *
     * @param history        earlier turns, oldest first (empty for a first turn)
     * @param tilesPerImage  tiles of each image or video frame, in placeholder order (empty for text only)
     */
    public String query(List<ChatTurn> history, String question, List<Integer> tilesPerImage) {
        String q = question;
        if (history.isEmpty() && !tilesPerImage.isEmpty() && !q.contains(IMAGE_PLACEHOLDER)) {
            q = IMAGE_PLACEHOLDER + "\n" + q;
        }
        return expandImages(render(history, q), tilesPerImage);
    }

    /** {@link #query} tokenised: no BOS, no EOS, as the reference does. */
    public int[] queryIds(Qwen2Tokenizer tokenizer, List<ChatTurn> history, String question,
                          List<Integer> tilesPerImage) {
        return tokenizer.encode(query(history, question, tilesPerImage));
    }
}
