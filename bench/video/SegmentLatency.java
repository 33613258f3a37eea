import com.sun.management.GarbageCollectionNotificationInfo;
import dev.vlmesh.engine.video.FfmpegLibrary;
import dev.vlmesh.engine.video.TestClips;
import dev.vlmesh.engine.video.VideoDecodeOptions;
import dev.vlmesh.engine.video.VideoReader;
import dev.vlmesh.engine.video.VideoWindow;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.GenerationOptions;
import dev.vlmesh.events.JobCancelRequested;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobStarted;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.SegmentCompleted;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Task;
import dev.vlmesh.events.TokenDelta;
import dev.vlmesh.infer.InferWorker;
import dev.vlmesh.infer.config.WorkerSettings;
import dev.vlmesh.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.minio.UploadObjectArgs;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Segment mode, time to the first window's answer: a 10-second and a 10-minute generated clip through a real infer
 * worker (in this JVM) on the local Kafka broker and S3 store. Each job is timed on arrival of its events here, from
 * the moment its JobSubmitted was acknowledged: JobStarted, first TokenDelta, each SegmentCompleted, JobCompleted.
 * The clips alternate so both see the same machine load. The first pair runs to the end (every window, the whole
 * job's memory); the later pairs are cancelled once the first window's answer arrived, so many pairs cost little. Memory per job: the largest heap left after any garbage
 * collection during the job (the live set, which would grow with the clip if frames or answers piled up) and the
 * largest resident set. Also the decoder alone (first window, whole-clip 8-frame sample) to show what seeking saves.
 * Run through bench/video/run.sh.
 *
 * <p>System properties: {@code bench.reps} (alternating pairs, default 6), {@code bench.threads} (engine threads,
 * default 2), {@code bench.budgetMs} (the worker's video decode budget, default the service's), {@code bench.window}
 * (seconds, default 10), {@code bench.frames} (per window, default 4), {@code bench.maxNew} (tokens per window,
 * default 8).
 */
public class SegmentLatency {
    static final Path ROOT = Path.of(System.getProperty("vlmesh.repo.root", ".")).toAbsolutePath();
    static final AtomicLong HEAP_AFTER_GC_MAX = new AtomicLong();
    static Set<String> heapPools;

    record Run(String clip, boolean full, int windows, long firstAnswerMs, long fetchMs, long workerFirstTokenMs,
               long totalMs, String failure) {
    }

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0]
                : ROOT.resolve("engine/src/test/resources/fixtures/models/a-vit300m-qwen25/original").toString();
        int reps = Integer.getInteger("bench.reps", 6);
        double window = Double.parseDouble(System.getProperty("bench.window", "10"));
        int frames = Integer.getInteger("bench.frames", 4);
        int maxNew = Integer.getInteger("bench.maxNew", 8);
        Path work = ROOT.resolve("bench/.work/video");
        Files.createDirectories(work);
        FfmpegLibrary.load(work.resolve("javacpp"));
        System.out.println("# " + FfmpegLibrary.versions() + "; model " + model + "; max heap "
                + Runtime.getRuntime().maxMemory() / 1048576 + " MiB");
        Map<String, Path> clips = new LinkedHashMap<>();
        clips.put("10 s", clip(work, "clip-10s.mp4", 10));
        clips.put("10 min", clip(work, "clip-10min.mp4", 600));

        System.out.println("\n## decoder alone (VideoReader, no model)");
        for (Path p : clips.values()) {
            decoderOnly(p, window, frames);
        }
        watchGc();

        List<Run> runs = new ArrayList<>();
        try (TestStack stack = TestStack.create("benchvideo")) {
            Map<String, String> cfg = new HashMap<>(stack.quarkusConfig());
            cfg.put("vlmesh.infer.model.local-path", model);
            cfg.put("vlmesh.infer.engine.threads", System.getProperty("bench.threads", "2"));
            cfg.put("vlmesh.infer.api.enabled", "false");
            cfg.put("vlmesh.infer.video.natives-dir", work.resolve("javacpp").toString());
            cfg.put("vlmesh.infer.video.temp-dir", work.resolve("tmp").toString());
            if (System.getProperty("bench.budgetMs") != null) {
                cfg.put("vlmesh.infer.video.decode-budget-ms", System.getProperty("bench.budgetMs"));
            }
            var b = new SmallRyeConfigBuilder().addDefaultSources().addDefaultInterceptors()
                    .withSources(new PropertiesConfigSource(SegmentLatency.class.getClassLoader()
                            .getResource("application.properties"), 250))
                    .withSources(new PropertiesConfigSource(cfg, "bench", 500));
            WorkerSettings settings = WorkerSettings.from(b.build());
            try (InferWorker worker = new InferWorker(settings, new SimpleMeterRegistry());
                 KafkaProducer<String, byte[]> producer = stack.producer();
                 KafkaConsumer<byte[], byte[]> events = stack.reader(stack.topics().jobEvents())) {
                long t0 = System.nanoTime();
                while (!worker.consuming()) {
                    Thread.sleep(50); // the worker loads its model, then joins the group; nothing to wait on
                    if (System.nanoTime() - t0 > 120_000_000_000L) {
                        throw new IllegalStateException("worker not consuming after 120 s");
                    }
                }
                Map<String, MediaRef> media = new LinkedHashMap<>();
                for (var e : clips.entrySet()) {
                    media.put(e.getKey(), upload(stack, e.getValue()));
                }
                System.out.println("\n## segment mode through the worker (" + window + " s windows, " + frames
                        + " frames each, " + maxNew + " new tokens, engine threads " + settings.engineThreads()
                        + ", decode budget " + settings.video().decodeBudget().toMillis() + " ms)");
                System.out.println("| run | clip | windows | fetch ms | started ms | first delta ms | "
                        + "**first window answer ms** | worker: first token ms | median gap between answers ms | "
                        + "total ms | max heap after GC MiB | max RSS MiB |");
                System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
                run(stack, producer, events, "warm-up", media.get("10 s"), "10 s", window, frames, maxNew, true);
                for (int rep = 1; rep <= reps; rep++) {
                    for (var e : media.entrySet()) {
                        runs.add(run(stack, producer, events, "#" + rep + (rep == 1 ? "" : " (first answer)"),
                                e.getValue(), e.getKey(), window, frames, maxNew, rep == 1));
                    }
                }
            }
        }
        System.out.println("\n## summary (median over " + reps + " runs of each clip)");
        for (String clip : clips.keySet()) {
            List<Run> ok = runs.stream().filter(r -> r.clip().equals(clip) && r.failure() == null).toList();
            long failed = runs.stream().filter(r -> r.clip().equals(clip) && r.failure() != null).count();
            if (ok.isEmpty()) {
                System.out.println(clip + ": every run failed");
                continue;
            }
            System.out.printf(Locale.ROOT, "%s: first window answer %d ms (runs: %s); fetching the clip %d ms; "
                            + "the worker's first token %d ms after it picked the job up; whole job %s ms; %d failed%n",
                    clip, median(ok.stream().map(Run::firstAnswerMs).toList()),
                    ok.stream().map(r -> String.valueOf(r.firstAnswerMs())).collect(Collectors.joining(", ")),
                    median(ok.stream().map(Run::fetchMs).toList()),
                    median(ok.stream().map(Run::workerFirstTokenMs).toList()),
                    ok.stream().filter(Run::full).map(r -> String.valueOf(r.totalMs()))
                            .collect(Collectors.joining(", ")), failed);
        }
        System.out.println("\npeak RSS of this JVM (worker + bench): " + status("VmHWM") / 1024 + " MiB");
    }

    static long median(List<Long> values) {
        List<Long> s = new ArrayList<>(values);
        s.sort(Long::compare);
        return s.get(s.size() / 2);
    }

    static Path clip(Path work, String name, int seconds) throws Exception {
        Path p = work.resolve(name);
        if (!Files.exists(p)) {
            long t = System.nanoTime();
            Path tmp = work.resolve(name + ".part.mp4");
            // 320x240, 10 fps, a keyframe every 5 s, H.264 (openh264)
            TestClips.ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=" + seconds,
                    "-pix_fmt", "yuv420p", "-g", "50", "-c:v", "libopenh264", "-b:v", "200k", tmp.toString());
            Files.move(tmp, p);
            System.out.printf(Locale.ROOT, "generated %s in %.1f s%n", name, (System.nanoTime() - t) / 1e9);
        }
        System.out.printf(Locale.ROOT, "clip %s: %.1f MiB%n", name, Files.size(p) / 1048576.0);
        return p;
    }

    static void decoderOnly(Path p, double window, int frames) throws Exception {
        long t = System.nanoTime();
        try (VideoReader r = VideoReader.open(p, VideoDecodeOptions.DEFAULT)) {
            long open = System.nanoTime() - t;
            VideoWindow w = r.windows(window, frames, null).next();
            long first = System.nanoTime() - t;
            long decodedFirst = r.framesDecoded();
            System.out.printf(Locale.ROOT, "%s: open %.0f ms, first %.0f s window (%d frames) after %.0f ms, "
                            + "%d frames decoded%n", p.getFileName(), open / 1e6, window, w.frames().size(),
                    first / 1e6, decodedFirst);
        }
        t = System.nanoTime();
        try (VideoReader r = VideoReader.open(p, VideoDecodeOptions.DEFAULT)) {
            int n = r.frameCount();
            long idx = System.nanoTime() - t;
            r.sample(8, null);
            System.out.printf(Locale.ROOT, "%s: whole clip, 8 frames: packet index of %d frames %.0f ms, total "
                            + "%.0f ms, %d frames decoded (%s, %d seeks)%n", p.getFileName(), n, idx / 1e6,
                    (System.nanoTime() - t) / 1e6, r.framesDecoded(), r.mode(), r.seeks());
        }
    }

    static MediaRef upload(TestStack stack, Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        String sha = HexFormat.of().formatHex(md.digest());
        String key = StoreLayout.mediaKey(sha);
        stack.s3().uploadObject(UploadObjectArgs.builder().bucket(stack.layout().mediaBucket()).object(key)
                .filename(file.toString()).build());
        return new MediaRef(MediaRef.Kind.video, stack.layout().mediaBucket(), key, sha, Files.size(file), "mp4",
                320, 240, null, null);
    }

    static Run run(TestStack stack, KafkaProducer<String, byte[]> producer, KafkaConsumer<byte[], byte[]> events,
                   String label, MediaRef media, String clip, double window, int frames, int maxNew, boolean full)
            throws Exception {
        EventCodec codec = TestStack.codec();
        JobSubmitted job = JobSubmitted.of(Ids.newJobId(), "demo", null, null, Task.DESCRIBE,
                "Describe what happens.", List.of(media), new GenerationOptions(maxNew, null, frames, 0.0, null,
                        null, null, window, null, null), null, null, 0, null);
        // the live heap before the job, as the floor of this job's after-GC maximum
        System.gc();
        HEAP_AFTER_GC_MAX.set(heapUsed());
        long rssMax = status("VmRSS");
        long rssAt = System.nanoTime();
        producer.send(codec.record(stack.topics().jobsSubmitted(), job)).get();
        long t0 = System.nanoTime();
        long started = -1;
        long firstDelta = -1;
        List<Long> answers = new ArrayList<>();
        long end = -1;
        JobCompleted done = null;
        JobFailed failed = null;
        while (end < 0) {
            for (ConsumerRecord<byte[], byte[]> r : events.poll(Duration.ofMillis(20))) {
                if (r.key() == null || !new String(r.key(), StandardCharsets.UTF_8).equals(job.jobId())) {
                    continue;
                }
                long now = System.nanoTime() - t0;
                JobEvent e = EventCodec.decode(r.headers(), r.value(), JobEvent.class);
                switch (e) {
                    case JobStarted x -> started = now;
                    case TokenDelta x -> firstDelta = firstDelta < 0 ? now : firstDelta;
                    case SegmentCompleted x -> {
                        answers.add(now);
                        if (!full && answers.size() == 1) {
                            producer.send(codec.record(stack.topics().jobControl(),
                                    JobCancelRequested.of(job.jobId(), job.tenantId(), "bench: first answer only")));
                        }
                    }
                    case JobCompleted x -> {
                        end = now;
                        done = x;
                    }
                    case JobFailed x -> {
                        end = now;
                        failed = x;
                    }
                    default -> { }
                }
            }
            if (System.nanoTime() - rssAt > 200_000_000L) {
                rssMax = Math.max(rssMax, status("VmRSS"));
                rssAt = System.nanoTime();
            }
            if (System.nanoTime() - t0 > 1_800_000_000_000L) {
                throw new IllegalStateException("job did not end within 30 min");
            }
        }
        rssMax = Math.max(rssMax, status("VmRSS"));
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < answers.size(); i++) {
            gaps.add(answers.get(i) - answers.get(i - 1));
        }
        long fetch = done == null ? -1 : done.timings().fetchMs();
        long workerFirst = done == null ? -1 : done.timings().timeToFirstTokenMs();
        long first = answers.isEmpty() ? -1 : answers.get(0) / 1_000_000;
        String failure = failed == null ? null : failed.code() + ": " + failed.reason();
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %s | %.0f | %.0f | **%d** | %d | %s | %s | %.0f | %d |%s%n",
                label, clip, answers.size(), fetch < 0 ? "–" : String.valueOf(fetch), started / 1e6,
                firstDelta / 1e6, first, workerFirst, gaps.isEmpty() ? "–" : String.valueOf(median(gaps) / 1_000_000),
                full ? String.format(Locale.ROOT, "%.0f", end / 1e6) : "(cancelled)",
                HEAP_AFTER_GC_MAX.get() / 1048576.0, rssMax / 1024,
                failure == null ? "" : " FAILED after " + answers.size() + " windows: " + failure);
        return new Run(clip, full, answers.size(), first, fetch, workerFirst, end / 1_000_000, failure);
    }

    /** Follows every collection and keeps the largest heap left after one (the live set plus what survived). */
    static void watchGc() {
        heapPools = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((n, h) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                    return;
                }
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long used = 0;
                for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (heapPools.contains(e.getKey())) {
                        used += e.getValue().getUsed();
                    }
                }
                HEAP_AFTER_GC_MAX.accumulateAndGet(used, Math::max);
            }, null, null);
        }
    }

    static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A /proc/self/status value in kB. */
    static long status(String key) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.substring(key.length() + 1).replace("kB", "").strip());
            }
        }
        return -1;
    }
}
