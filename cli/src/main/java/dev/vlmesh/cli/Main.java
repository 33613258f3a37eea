package dev.vlmesh.cli;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code vlmesh}: submit media, follow answers, list jobs, refresh checkpoints. See {@link #USAGE}. */
public final class Main {

    static final String USAGE = """
            usage: vlmesh [options] <command> [arguments]

            commands:
              submit FILE           upload an image or video and print the job id
                  --task describe|ocr|chat   (default describe)   --prompt TEXT (English or Chinese)
                  --model NAME  --model-version V  --max-new-tokens N  --max-tiles N  --num-frames N
                  --segment-seconds S (video: one answer per window)  --start S  --end S (video span,
                  seconds)  --temperature T  --seed N
                  --callback-url URL (webhook when the job ends)  --custom-id ID  --priority N
                  --watch               then stream the answer (like watch)
                  --timeout SECONDS     with --watch: give up waiting after this long (exit 6)
              describe FILE         submit --task describe --watch
              ocr FILE              submit --task ocr --watch
              ask FILE PROMPT       submit --task chat --prompt PROMPT --watch
              watch JOB_ID          stream a job's answer to the terminal as it is generated  [--timeout S]
              jobs                  list jobs, newest first  [--status S[,S]] [--batch ID] [--limit N] [--json]
              job JOB_ID            print a job as JSON
              cancel JOB_ID         ask the workers to stop a job
              checkpoint refresh MODEL   convert a HuggingFace checkpoint from the store into a new version
                  --source-bucket B  --source-prefix P  --tp N  --llm-pp-layers '[[6,8,8,6]]'
                  --vit-pp-layers '[[24,0,0,0]]'  --output-format safetensors|torch
                  --wait [--timeout S]  follow the conversion until it is ready (exit 0) or failed (exit 1)
              checkpoint status ID  print a conversion's status as JSON

            options (or environment):
              --api-key KEY       VLMESH_API_KEY
              --ingest URL        VLMESH_INGEST_URL    (default http://127.0.0.1:8081)
              --results URL       VLMESH_RESULTS_URL   (default http://127.0.0.1:8080)
              --convert URL       VLMESH_CONVERT_URL   (default http://127.0.0.1:8082)
              -q, --quiet         no progress or status lines on stderr

            exit codes: 0 done (job succeeded), 1 job failed, 2 usage error, 3 job cancelled,
                        4 refused by a service (bad file, unknown job, bad key), 5 service unreachable or failing,
                        6 the job did not end within --timeout
            """;

    private static final Set<String> FLAGS = Set.of("watch", "wait", "json", "quiet", "help", "version");
    private static final Set<String> GLOBAL = Set.of("api-key", "ingest", "results", "convert", "quiet", "help",
            "version");
    private static final Set<String> SUBMIT = Set.of("task", "prompt", "model", "model-version", "max-new-tokens",
            "max-tiles", "num-frames", "segment-seconds", "start", "end", "temperature", "seed", "callback-url",
            "custom-id",
            "priority", "watch", "json", "timeout");

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    public Main(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.exit(new Main(out, System.err, System.getenv()).run(args));
    }

    /** Runs one command; returns the exit code. */
    public int run(String... argv) {
        try {
            Args args = Args.parse(Arrays.asList(argv), FLAGS);
            if (args.flag("version")) {
                out.println("vlmesh 0.1.0");
                return ExitCodes.OK;
            }
            List<String> pos = args.positional();
            if (args.flag("help") || pos.isEmpty() || pos.getFirst().equals("help")) {
                (pos.isEmpty() && !args.flag("help") ? err : out).print(USAGE);
                return pos.isEmpty() && !args.flag("help") ? ExitCodes.USAGE : ExitCodes.OK;
            }
            Settings settings = Settings.from(args, env);
            Api api = new Api(settings);
            String command = pos.getFirst();
            List<String> rest = pos.subList(1, pos.size());
            return switch (command) {
                case "submit" -> submit(api, args, rest, args.option("task", "describe"), args.flag("watch"));
                case "describe" -> submit(api, args, rest, "describe", true);
                case "ocr" -> submit(api, args, rest, "ocr", true);
                case "ask" -> ask(api, args, rest);
                case "watch" -> {
                    Set<String> known = new java.util.HashSet<>(GLOBAL);
                    known.add("timeout");
                    args.allowOnly(known);
                    settings.requireKey();
                    yield new Watcher(api, out, err, timeout(args)).watch(one(rest, "watch JOB_ID"));
                }
                case "jobs" -> jobs(api, args, rest);
                case "job" -> {
                    args.allowOnly(GLOBAL);
                    settings.requireKey();
                    out.println(api.send(api.request(settings.resultsUrl() + "/v1/jobs/"
                            + enc(one(rest, "job JOB_ID"))).GET().build()));
                    yield ExitCodes.OK;
                }
                case "cancel" -> {
                    args.allowOnly(GLOBAL);
                    settings.requireKey();
                    String id = one(rest, "cancel JOB_ID");
                    api.send(api.request(settings.resultsUrl() + "/v1/jobs/" + enc(id) + "/cancel")
                            .POST(HttpRequest.BodyPublishers.noBody()).build());
                    err.println("cancel requested for " + id);
                    yield ExitCodes.OK;
                }
                case "checkpoint" -> checkpoint(api, args, rest);
                default -> throw new CliException(ExitCodes.USAGE, "unknown command '" + command
                        + "' (see vlmesh --help)");
            };
        } catch (CliException e) {
            err.println("vlmesh: " + e.getMessage());
            return e.exitCode();
        }
    }

    private int ask(Api api, Args args, List<String> rest) {
        if (rest.size() != 2) {
            throw new CliException(ExitCodes.USAGE, "usage: vlmesh ask FILE PROMPT");
        }
        return submit(api, args, rest.subList(0, 1), "chat", true, rest.get(1));
    }

    private int submit(Api api, Args args, List<String> rest, String task, boolean watch) {
        return submit(api, args, rest, task, watch, args.option("prompt"));
    }

    private int submit(Api api, Args args, List<String> rest, String task, boolean watch, String prompt) {
        Set<String> known = new java.util.HashSet<>(GLOBAL);
        known.addAll(SUBMIT);
        args.allowOnly(known);
        Path file = Path.of(one(rest, "submit FILE"));
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new CliException(ExitCodes.USAGE, "cannot read file " + file);
        }
        if (!Set.of("describe", "ocr", "chat").contains(task)) {
            throw new CliException(ExitCodes.USAGE, "--task must be describe, ocr or chat");
        }
        if (task.equals("chat") && (prompt == null || prompt.isBlank())) {
            throw new CliException(ExitCodes.USAGE, "--task chat needs --prompt");
        }
        Settings s = api.settings();
        s.requireKey();
        MultipartBody body = new MultipartBody("file", file, contentType(file))
                .field("task", task)
                .field("prompt", prompt)
                .field("model", args.option("model"))
                .field("model_version", args.option("model-version"))
                .field("max_new_tokens", number(args.intOption("max-new-tokens")))
                .field("max_tiles", number(args.intOption("max-tiles")))
                .field("num_frames", number(args.intOption("num-frames")))
                .field("segment_seconds", number(args.doubleOption("segment-seconds")))
                .field("start_seconds", number(args.doubleOption("start")))
                .field("end_seconds", number(args.doubleOption("end")))
                .field("temperature", number(args.doubleOption("temperature")))
                .field("seed", number(args.intOption("seed")))
                .field("callback_url", args.option("callback-url"))
                .field("custom_id", args.option("custom-id"))
                .field("priority", number(args.intOption("priority")));
        long size;
        try {
            size = Files.size(file);
        } catch (java.io.IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read file " + file + ": " + e.getMessage());
        }
        Progress progress = new Progress(err, file.getFileName().toString(), size, System.console() != null,
                s.quiet());
        progress.update(0);
        String response = api.send(api.request(s.ingestUrl() + "/v1/jobs")
                .header("Content-Type", body.contentTypeHeader())
                .header("Accept", "application/json")
                .POST(body.publisher(progress::update)).build());
        progress.finished();
        Map<String, Object> accepted = Json.object(response);
        String id = Json.str(accepted, "id"); // ingest's 202 (snake_case, like every vlmesh answer)
        if (id == null) {
            throw new CliException(ExitCodes.UNAVAILABLE, "ingest accepted the upload but sent no job id: "
                    + response);
        }
        if (!watch) {
            out.println(args.flag("json") ? response : id);
            return ExitCodes.OK;
        }
        if (!s.quiet()) {
            err.println("job " + id + " (" + task + ")");
        }
        return new Watcher(api, out, err, timeout(args)).watch(id);
    }

    private int jobs(Api api, Args args, List<String> rest) {
        Set<String> known = new java.util.HashSet<>(GLOBAL);
        known.addAll(Set.of("status", "batch", "limit", "after", "json"));
        args.allowOnly(known);
        if (!rest.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "usage: vlmesh jobs [--status S] [--batch ID] [--limit N]");
        }
        Settings s = api.settings();
        s.requireKey();
        StringBuilder q = new StringBuilder("?limit=").append(args.intOption("limit") == null ? 20
                : args.intOption("limit"));
        if (args.option("status") != null) {
            q.append("&status=").append(enc(args.option("status")));
        }
        if (args.option("batch") != null) {
            q.append("&batch_id=").append(enc(args.option("batch")));
        }
        if (args.option("after") != null) {
            q.append("&after=").append(enc(args.option("after")));
        }
        String body = api.send(api.request(s.resultsUrl() + "/v1/jobs" + q).GET().build());
        if (args.flag("json")) {
            out.println(body);
            return ExitCodes.OK;
        }
        Map<String, Object> page = Json.object(body);
        Object data = page.get("data");
        List<?> rows = data instanceof List<?> l ? l : List.of();
        out.printf("%-36s  %-9s  %-8s  %-20s  %s%n", "ID", "STATUS", "TASK", "CREATED", "ANSWER");
        for (Object row : rows) {
            String text = Json.str(row, "text");
            text = text == null ? "" : text.replaceAll("\\s+", " ").strip();
            if (text.length() > 60) {
                text = text.substring(0, 59) + "…";
            }
            String created = Json.str(row, "created_at");
            out.printf("%-36s  %-9s  %-8s  %-20s  %s%n", Json.str(row, "id"), Json.str(row, "status"),
                    Json.str(row, "task"), created == null ? "" : created.substring(0, Math.min(19, created.length())),
                    text);
        }
        if (Boolean.TRUE.equals(page.get("has_more")) && !s.quiet()) {
            err.println("more: vlmesh jobs --after " + Json.str(page, "next_cursor"));
        }
        return ExitCodes.OK;
    }

    private int checkpoint(Api api, Args args, List<String> rest) {
        Set<String> known = new java.util.HashSet<>(GLOBAL);
        known.addAll(Set.of("source-bucket", "source-prefix", "tp", "llm-pp-layers", "vit-pp-layers",
                "output-format", "json", "wait", "timeout"));
        args.allowOnly(known);
        Settings s = api.settings();
        if (rest.size() == 2 && rest.getFirst().equals("status")) {
            s.requireKey();
            out.println(api.send(api.request(s.convertUrl() + "/v1/checkpoints/" + enc(rest.get(1))).GET().build()));
            return ExitCodes.OK;
        }
        if (rest.size() != 2 || !rest.getFirst().equals("refresh")) {
            throw new CliException(ExitCodes.USAGE, "usage: vlmesh checkpoint refresh MODEL [options] | "
                    + "vlmesh checkpoint status CONVERSION_ID");
        }
        s.requireKey();
        // convert-service takes the fields of a CheckpointRefreshRequested event, camelCase
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("modelName", rest.get(1));
        putIf(body, "sourceBucket", args.option("source-bucket"));
        putIf(body, "sourcePrefix", args.option("source-prefix"));
        Object llm = layers(args, "llm-pp-layers");
        Object vit = layers(args, "vit-pp-layers");
        if (args.intOption("tp") != null || llm != null || vit != null) {
            Map<String, Object> parallel = new LinkedHashMap<>();
            parallel.put("tp", args.intOption("tp") == null ? 1L : (long) args.intOption("tp"));
            putIf(parallel, "llmPpLayers", llm);
            putIf(parallel, "vitPpLayers", vit);
            body.put("parallel", parallel);
        }
        putIf(body, "outputFormat", args.option("output-format"));
        String response = api.send(api.request(s.convertUrl() + "/v1/checkpoints")
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build());
        Map<String, Object> r = Json.object(response);
        String id = firstNonNull(Json.str(r, "conversionId"), Json.str(r, "conversion_id"), Json.str(r, "id"));
        if (args.flag("json")) {
            out.println(response);
        } else {
            out.println(id != null ? id : response);
        }
        if (!s.quiet()) {
            err.println("refresh of " + rest.get(1) + " requested" + (id == null ? "" : " as " + id));
        }
        return args.flag("wait") && id != null ? awaitConversion(api, id, timeout(args)) : ExitCodes.OK;
    }

    /** Polls the conversion's status, printing phase changes and progress, until it is ready or failed. */
    private int awaitConversion(Api api, String id, java.time.Duration timeout) {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        String shown = null;
        while (true) {
            Map<String, Object> st = Json.object(api.send(api.request(api.settings().convertUrl()
                    + "/v1/checkpoints/" + enc(id)).GET().build()));
            String state = String.valueOf(Json.str(st, "state"));
            String line = state + (st.get("phase") == null ? "" : " · " + Json.str(st, "phase"))
                    + (st.get("shardsTotal") instanceof Long t && t > 0 ? " · shards " + Json.str(st, "shardsDone")
                    + "/" + t : "");
            if (!line.equals(shown) && !api.settings().quiet()) {
                err.println(line);
                shown = line;
            }
            if (state.equals("READY")) {
                out.println("version " + Json.str(st, "version"));
                return ExitCodes.OK;
            }
            if (state.equals("FAILED")) {
                err.println("conversion failed: " + Json.str(st, "code") + ": " + Json.str(st, "reason"));
                return ExitCodes.JOB_FAILED;
            }
            if (System.nanoTime() > deadline) {
                throw new CliException(ExitCodes.TIMEOUT, "conversion " + id + " still " + state
                        + " (follow it with: vlmesh checkpoint status " + id + ")");
            }
            try {
                Thread.sleep(1000); // convert-service offers no stream of a conversion; poll its status
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.UNAVAILABLE, "interrupted");
            }
        }
    }

    private static Object layers(Args args, String name) {
        String v = args.option(name);
        if (v == null) {
            return null;
        }
        try {
            Object parsed = Json.parse(v);
            if (parsed instanceof List<?> outer && outer.stream().allMatch(i -> i instanceof List<?> inner
                    && inner.stream().allMatch(n -> n instanceof Long))) {
                return parsed;
            }
        } catch (IllegalArgumentException ignored) {
            // fall through
        }
        throw new CliException(ExitCodes.USAGE, "--" + name + " must be a JSON list of lists of layer counts, "
                + "e.g. '[[6,8,8,6]]'");
    }

    private static java.time.Duration timeout(Args args) {
        Double s = args.doubleOption("timeout");
        if (s == null) {
            return null;
        }
        if (s <= 0) {
            throw new CliException(ExitCodes.USAGE, "--timeout must be a positive number of seconds");
        }
        return java.time.Duration.ofMillis((long) (s * 1000));
    }

    private static void putIf(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    private static String one(List<String> rest, String usage) {
        if (rest.size() != 1) {
            throw new CliException(ExitCodes.USAGE, "usage: vlmesh " + usage);
        }
        return rest.getFirst();
    }

    private static String number(Number n) {
        return n == null ? null : n instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)
                ? Long.toString(d.longValue()) : n.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    static String contentType(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Map<String, String> types = Map.of(".png", "image/png", ".jpg", "image/jpeg", ".jpeg", "image/jpeg",
                ".webp", "image/webp", ".gif", "image/gif", ".bmp", "image/bmp", ".mp4", "video/mp4",
                ".webm", "video/webm", ".mov", "video/quicktime");
        List<String> hits = new ArrayList<>();
        types.forEach((ext, type) -> {
            if (name.endsWith(ext)) {
                hits.add(type);
            }
        });
        return hits.isEmpty() ? "application/octet-stream" : hits.getFirst();
    }
}
