package dev.vlmesh.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Qwen2 byte-level BPE tokenizer, equal in ids to the HuggingFace tokenizer of an InternVL3 checkpoint.
 *
 * <p>Entry points: {@link #load(Path)} for a model directory, {@link #encode(String)}, {@link #decode(int[], boolean)}
 * and {@link #newStreamingDecoder(boolean)}. Encoding: added tokens are cut out of the raw text (leftmost, longest
 * first) and never BPE'd; the rest is NFC-normalised, split by {@link Qwen2PreTokenizer}, mapped byte by byte to
 * GPT-2 characters and merged by rank. No BOS or EOS is added. Instances are immutable and thread-safe.
 */
public final class Qwen2Tokenizer {
    private static final int CACHE_MAX_PIECE_CHARS = 256;
    private static final int CACHE_MAX_ENTRIES = 100_000;

    private final Map<String, Integer> vocab;
    private final MergeTable merges;
    private final int[] byteIds = new int[256];
    private final boolean ignoreMerges;
    private final boolean nfc;
    private final boolean cleanUpSpaces;
    private final Map<String, AddedToken> addedByContent = new HashMap<>();
    private final AddedTokenMatcher rawMatcher;
    private final AddedTokenMatcher normalizedMatcher;
    private final byte[][] idBytes;
    private final boolean[] idSpecial;
    private final String[] idToken;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();
    private final ThreadLocal<BytePairEncoder> encoders;

    private Qwen2Tokenizer(Map<String, Integer> vocab, List<String[]> mergeList, List<AddedToken> added,
                           boolean ignoreMerges, boolean nfc, boolean cleanUpSpaces) throws TokenizerFormatException {
        this.vocab = vocab;
        this.ignoreMerges = ignoreMerges;
        this.nfc = nfc;
        this.cleanUpSpaces = cleanUpSpaces;
        this.merges = new MergeTable(mergeList.size());
        for (int rank = 0; rank < mergeList.size(); rank++) {
            String[] m = mergeList.get(rank);
            Integer a = vocab.get(m[0]);
            Integer b = vocab.get(m[1]);
            Integer ab = vocab.get(m[0] + m[1]);
            if (a == null || b == null || ab == null) {
                throw new TokenizerFormatException("merge " + (rank + 1) + " '" + m[0] + " " + m[1]
                        + "' uses a token that is not in the vocabulary");
            }
            merges.put(a, b, rank, ab);
        }
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevel.charOf(b)));
            if (id == null) {
                throw new TokenizerFormatException("the vocabulary lacks the byte-level token for byte " + b
                        + "; not a byte-level BPE vocabulary");
            }
            byteIds[b] = id;
        }
        int maxId = -1;
        for (int id : vocab.values()) {
            maxId = Math.max(maxId, id);
        }
        for (AddedToken t : added) {
            maxId = Math.max(maxId, t.id());
        }
        idBytes = new byte[maxId + 1][];
        idSpecial = new boolean[maxId + 1];
        idToken = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            idToken[e.getValue()] = e.getKey();
            idBytes[e.getValue()] = ByteLevel.decodeToken(e.getKey());
        }
        List<AddedToken> raw = new ArrayList<>();
        List<AddedToken> normalized = new ArrayList<>();
        for (AddedToken t : added) {
            if (t.content().isEmpty()) {
                throw new TokenizerFormatException("added token " + t.id() + " is empty");
            }
            addedByContent.put(t.content(), t);
            idToken[t.id()] = t.content();
            idBytes[t.id()] = ByteLevel.decodeToken(t.content());
            idSpecial[t.id()] = t.special();
            (t.normalized() ? normalized : raw).add(t);
        }
        rawMatcher = new AddedTokenMatcher(raw);
        normalizedMatcher = new AddedTokenMatcher(normalized);
        encoders = ThreadLocal.withInitial(() -> new BytePairEncoder(merges));
    }

    // ---------------------------------------------------------------- loading

    /** Loads {@code tokenizer.json} from a model directory, or else its {@code vocab.json} + {@code merges.txt}. */
    public static Qwen2Tokenizer load(Path modelDir) throws IOException {
        if (Files.isRegularFile(modelDir.resolve("tokenizer.json"))) {
            return fromTokenizerJson(modelDir);
        }
        if (Files.isRegularFile(modelDir.resolve("vocab.json")) && Files.isRegularFile(modelDir.resolve("merges.txt"))) {
            return fromVocabAndMerges(modelDir);
        }
        throw new TokenizerFormatException("no tokenizer in " + modelDir
                + ": expected tokenizer.json, or vocab.json with merges.txt");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode readJson(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw new TokenizerFormatException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<JsonNode> optionalJson(Path file) throws IOException {
        return Files.isRegularFile(file) ? Optional.of(readJson(file)) : Optional.empty();
    }

    /** The fast-tokenizer form: {@code dir/tokenizer.json} (plus {@code tokenizer_config.json} when present). */
    public static Qwen2Tokenizer fromTokenizerJson(Path modelDir) throws IOException {
        Path file = modelDir.resolve("tokenizer.json");
        JsonNode root = readJson(file);
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new TokenizerFormatException(file + ": model type '" + model.path("type").asText()
                    + "' is not BPE");
        }
        for (String unsupported : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (model.hasNonNull(unsupported) && !model.get(unsupported).asText().isEmpty()) {
                throw new TokenizerFormatException(file + ": BPE option " + unsupported + " is not supported");
            }
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new TokenizerFormatException(file + ": BPE byte_fallback is not supported");
        }
        if (model.hasNonNull("dropout") && model.get("dropout").asDouble() != 0.0) {
            throw new TokenizerFormatException(file + ": BPE dropout is not supported");
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : model.path("vocab").properties()) {
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        if (vocab.isEmpty()) {
            throw new TokenizerFormatException(file + ": empty vocabulary");
        }
        List<String[]> mergeList = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isArray() && m.size() == 2) {
                mergeList.add(new String[] {m.get(0).asText(), m.get(1).asText()});
            } else if (m.isTextual()) {
                mergeList.add(splitMerge(m.asText(), file, mergeList.size() + 1));
            } else {
                throw new TokenizerFormatException(file + ": merge " + (mergeList.size() + 1) + " is malformed");
            }
        }
        List<AddedToken> added = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            checkNoStripping(t, file);
            added.add(new AddedToken(t.path("id").asInt(), t.path("content").asText(),
                    t.path("special").asBoolean(false), t.path("normalized").asBoolean(false)));
        }
        boolean nfc = parseNormalizer(root.path("normalizer"), file);
        checkPreTokenizer(root.path("pre_tokenizer"), file);
        boolean cleanUp = optionalJson(modelDir.resolve("tokenizer_config.json"))
                .map(c -> c.path("clean_up_tokenization_spaces").asBoolean(false)).orElse(false);
        return new Qwen2Tokenizer(vocab, mergeList, added, model.path("ignore_merges").asBoolean(false), nfc, cleanUp);
    }

    /**
     * The slow-tokenizer form: {@code vocab.json}, {@code merges.txt}, and the added tokens from
     * {@code added_tokens.json} and/or {@code tokenizer_config.json}'s {@code added_tokens_decoder} (which carries the
     * special flags). Normalisation is NFC and the split pattern Qwen2's, as in transformers' Qwen2Tokenizer.
     */
    public static Qwen2Tokenizer fromVocabAndMerges(Path modelDir) throws IOException {
        Path vocabFile = modelDir.resolve("vocab.json");
        JsonNode vocabJson = readJson(vocabFile);
        Map<String, Integer> vocab = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : vocabJson.properties()) {
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        if (vocab.isEmpty()) {
            throw new TokenizerFormatException(vocabFile + ": empty vocabulary");
        }
        Path mergesFile = modelDir.resolve("merges.txt");
        List<String[]> mergeList = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(mergesFile, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isEmpty() || (lineNo == 1 && line.startsWith("#version"))) {
                    continue;
                }
                mergeList.add(splitMerge(line, mergesFile, lineNo));
            }
        }
        Optional<JsonNode> config = optionalJson(modelDir.resolve("tokenizer_config.json"));
        Map<Integer, AddedToken> added = new java.util.TreeMap<>();
        java.util.Set<String> specialNames = new java.util.HashSet<>();
        config.ifPresent(c -> {
            for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
                JsonNode v = c.path(key);
                if (v.isTextual()) {
                    specialNames.add(v.asText());
                } else if (v.isObject()) {
                    specialNames.add(v.path("content").asText());
                }
            }
            for (JsonNode v : c.path("additional_special_tokens")) {
                specialNames.add(v.isObject() ? v.path("content").asText() : v.asText());
            }
        });
        Optional<JsonNode> addedJson = optionalJson(modelDir.resolve("added_tokens.json"));
        if (addedJson.isPresent()) {
            for (Map.Entry<String, JsonNode> e : addedJson.get().properties()) {
                int id = e.getValue().asInt();
                added.put(id, new AddedToken(id, e.getKey(), specialNames.contains(e.getKey()), false));
            }
        }
        if (config.isPresent()) {
            Path cfgFile = modelDir.resolve("tokenizer_config.json");
            for (Map.Entry<String, JsonNode> e : config.get().path("added_tokens_decoder").properties()) {
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new TokenizerFormatException(cfgFile + ": added_tokens_decoder key '" + e.getKey()
                            + "' is not an id");
                }
                JsonNode t = e.getValue();
                checkNoStripping(t, cfgFile);
                added.put(id, new AddedToken(id, t.path("content").asText(), t.path("special").asBoolean(false),
                        t.path("normalized").asBoolean(false)));
            }
        }
        // Tokens of the vocabulary that are listed as added keep their BPE id; only their matching changes.
        boolean cleanUp = config.map(c -> c.path("clean_up_tokenization_spaces").asBoolean(false)).orElse(false);
        return new Qwen2Tokenizer(vocab, mergeList, new ArrayList<>(added.values()), false, true, cleanUp);
    }

    private static String[] splitMerge(String line, Path file, int lineNo) throws TokenizerFormatException {
        int sp = line.indexOf(' ');
        if (sp <= 0 || sp == line.length() - 1 || line.indexOf(' ', sp + 1) >= 0) {
            throw new TokenizerFormatException(file + ": merge at line/entry " + lineNo + " is not 'left right'");
        }
        return new String[] {line.substring(0, sp), line.substring(sp + 1)};
    }

    private static void checkNoStripping(JsonNode t, Path file) throws TokenizerFormatException {
        for (String flag : List.of("lstrip", "rstrip", "single_word")) {
            if (t.path(flag).asBoolean(false)) {
                throw new TokenizerFormatException(file + ": added token '" + t.path("content").asText()
                        + "' sets " + flag + ", which Qwen2 tokenizers never do and this tokenizer does not support");
            }
        }
    }

    private static boolean parseNormalizer(JsonNode n, Path file) throws TokenizerFormatException {
        if (n.isMissingNode() || n.isNull()) {
            return false;
        }
        String type = n.path("type").asText();
        if ("NFC".equals(type)) {
            return true;
        }
        if ("Sequence".equals(type)) {
            boolean nfc = false;
            for (JsonNode c : n.path("normalizers")) {
                nfc |= parseNormalizer(c, file);
            }
            return nfc;
        }
        throw new TokenizerFormatException(file + ": normalizer '" + type + "' is not supported (Qwen2 uses NFC)");
    }

    private static void checkPreTokenizer(JsonNode p, Path file) throws TokenizerFormatException {
        List<JsonNode> steps = new ArrayList<>();
        if ("Sequence".equals(p.path("type").asText())) {
            p.path("pretokenizers").forEach(steps::add);
        } else {
            steps.add(p);
        }
        boolean split = false;
        boolean byteLevel = false;
        for (JsonNode s : steps) {
            switch (s.path("type").asText()) {
                case "Split" -> {
                    String regex = s.path("pattern").path("Regex").asText(null);
                    if (!Qwen2PreTokenizer.PATTERN.equals(regex) || !"Isolated".equals(s.path("behavior").asText())
                            || s.path("invert").asBoolean(false)) {
                        throw new TokenizerFormatException(file + ": the Split pre-tokenizer is not Qwen2's");
                    }
                    split = true;
                }
                case "ByteLevel" -> {
                    if (s.path("add_prefix_space").asBoolean(false) || s.path("use_regex").asBoolean(true)) {
                        throw new TokenizerFormatException(file
                                + ": ByteLevel pre-tokenizer options differ from Qwen2's (no prefix space, no regex)");
                    }
                    byteLevel = true;
                }
                default -> throw new TokenizerFormatException(file + ": pre-tokenizer '"
                        + s.path("type").asText() + "' is not supported");
            }
        }
        if (!split || !byteLevel) {
            throw new TokenizerFormatException(file + ": expected Qwen2's Split + ByteLevel pre-tokenizer");
        }
    }

    // ---------------------------------------------------------------- encoding

    /**
     * Token ids of {@code text}, with no BOS or EOS.
     *
     * @throws IllegalArgumentException when the text holds a lone UTF-16 surrogate (not Unicode text; the reference
     *                                  tokenizer refuses it too)
     */
    public int[] encode(String text) {
        checkWellFormed(text);
        IntList out = new IntList(Math.max(16, text.length() / 2));
        int pos = 0;
        for (AddedTokenMatcher.Match m : rawMatcher.findAll(text)) {
            encodeNormalizable(text.substring(pos, m.start()), out);
            out.add(m.token().id());
            pos = m.end();
        }
        encodeNormalizable(text.substring(pos), out);
        return out.toArray();
    }

    private static void checkWellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    throw new IllegalArgumentException("text has a lone surrogate U+"
                            + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT) + " at index " + i
                            + "; it is not valid Unicode and cannot be tokenised");
                }
            }
        }
    }

    private void encodeNormalizable(String segment, IntList out) {
        if (segment.isEmpty()) {
            return;
        }
        String s = nfc ? Normalizer.normalize(segment, Normalizer.Form.NFC) : segment;
        int pos = 0;
        for (AddedTokenMatcher.Match m : normalizedMatcher.findAll(s)) {
            encodeText(s, pos, m.start(), out);
            out.add(m.token().id());
            pos = m.end();
        }
        encodeText(s, pos, s.length(), out);
    }

    private void encodeText(String s, int from, int to, IntList out) {
        Qwen2PreTokenizer.split(s, from, to, (start, end) -> encodePiece(s, start, end, out));
    }

    private void encodePiece(String s, int start, int end, IntList out) {
        boolean cacheable = end - start <= CACHE_MAX_PIECE_CHARS;
        String piece = s.substring(start, end);
        if (cacheable) {
            int[] hit = cache.get(piece);
            if (hit != null) {
                out.addAll(hit);
                return;
            }
        }
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int[] ids = null;
        if (ignoreMerges) {
            Integer whole = vocab.get(ByteLevel.encodeBytes(bytes, 0, bytes.length));
            if (whole != null) {
                ids = new int[] {whole};
            }
        }
        if (ids == null) {
            int[] symbols = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                symbols[i] = byteIds[bytes[i] & 0xFF];
            }
            ids = encoders.get().encode(symbols, symbols.length);
        }
        if (cacheable) {
            if (cache.size() >= CACHE_MAX_ENTRIES) {
                cache.clear();
            }
            cache.put(piece, ids);
        }
        out.addAll(ids);
    }

    // ---------------------------------------------------------------- decoding

    /**
     * Text of {@code ids}; with {@code skipSpecialTokens}, special added tokens are left out. Ids that name no token
     * are skipped, as the reference does. Invalid UTF-8 becomes U+FFFD.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        byte[] buf = new byte[Math.max(16, ids.length * 4)];
        int n = 0;
        for (int id : ids) {
            byte[] b = bytesOf(id, skipSpecialTokens);
            if (b == null) {
                continue;
            }
            if (n + b.length > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + b.length));
            }
            System.arraycopy(b, 0, buf, n, b.length);
            n += b.length;
        }
        StringBuilder sb = new StringBuilder(n);
        Utf8.decode(buf, 0, n, false, sb);
        return cleanUpSpaces ? cleanUpTokenizationSpaces(sb.toString()) : sb.toString();
    }

    /** A decoder for a stream of generated ids that never emits half a character. */
    public StreamingDecoder newStreamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    byte[] bytesOf(int id, boolean skipSpecialTokens) {
        if (id < 0 || id >= idBytes.length || idBytes[id] == null) {
            return null;
        }
        if (skipSpecialTokens && idSpecial[id]) {
            return null;
        }
        return idBytes[id];
    }

    private static String cleanUpTokenizationSpaces(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    // ---------------------------------------------------------------- lookups

    /** The id of an added token or vocabulary entry, e.g. {@code <IMG_CONTEXT>}. */
    public Optional<Integer> tokenId(String token) {
        AddedToken t = addedByContent.get(token);
        if (t != null) {
            return Optional.of(t.id());
        }
        return Optional.ofNullable(vocab.get(token));
    }

    /** Like {@link #tokenId} but fails with a clear message when the token is unknown. */
    public int requireTokenId(String token) {
        return tokenId(token).orElseThrow(() -> new IllegalArgumentException(
                "the tokenizer has no token '" + token + "'"));
    }

    /** The token string of an id (byte-level characters for BPE tokens), or null. */
    public String tokenOf(int id) {
        return id >= 0 && id < idToken.length ? idToken[id] : null;
    }

    public boolean isSpecial(int id) {
        return id >= 0 && id < idSpecial.length && idSpecial[id];
    }

    /** One past the largest id the tokenizer knows. */
    public int idLimit() {
        return idToken.length;
    }

    /** Growable int array, to avoid boxing on the encode path. */
    private static final class IntList {
        int[] a;
        int n;

        IntList(int cap) {
            a = new int[cap];
        }

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        void addAll(int[] v) {
            if (n + v.length > a.length) {
                a = Arrays.copyOf(a, Math.max(a.length * 2, n + v.length));
            }
            System.arraycopy(v, 0, a, n, v.length);
            n += v.length;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
