package dev.vlmesh.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.video.TestClips;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.GenerationOptions;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.SegmentCompleted;
import dev.vlmesh.events.Task;
import dev.vlmesh.events.TokenDelta;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.TestStack;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Video jobs on the real broker and store with a reference fixture model: the worker decodes the clip itself, the
 * answer is transformers' greedy continuation for the reference's video prompt; segment mode publishes each window
 * (tagged deltas, then SegmentCompleted) and a joined final text; damaged or lying videos fail with stable codes.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class VideoJobTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String MODEL = Fixtures.MODEL_A;
    private static final Path CLIP = Fixtures.root().resolve("video/clips/h264_160x120_10fps_16f.mp4");

    TestStack stack;
    private JobsClient jobs;

    @BeforeEach
    void client() {
        jobs = new JobsClient(stack);
    }

    @AfterEach
    void close() {
        jobs.close();
    }

    private MediaRef video(byte[] data, String format) throws Exception {
        Path tmp = Files.createTempFile("video-job-", "." + format);
        try {
            Files.write(tmp, data);
            MediaRef r = jobs.upload(tmp);
            return new MediaRef(MediaRef.Kind.video, r.bucket(), r.key(), r.sha256(), r.sizeBytes(), format, 0, 0,
                    null, null);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static JobSubmitted job(String prompt, MediaRef media, int maxNew, int frames, Double segment,
                                    Double start, Double end) {
        return JobSubmitted.of(dev.vlmesh.events.Ids.newJobId(), "demo", null, null, Task.DESCRIBE, prompt,
                List.of(media), new GenerationOptions(maxNew, null, frames, 0.0, null, null, null, segment, start, end),
                null, null, 0, null);
    }

    @Test
    void aVideoJobAnswersWithTheReferenceContinuation() throws Exception {
        int n = 12;
        // the reference case: 4 segments of this clip, "Frame1: <image>\n…" + the question
        String question = Fixtures.question(MODEL, "video");
        question = question.substring(question.lastIndexOf('\n') + 1);
        JobSubmitted job = jobs.submit(job(question, video(Files.readAllBytes(CLIP), "mp4"), n, 4, null, null, null));
        List<JobEvent> events = jobs.awaitTerminal(job.jobId(), WAIT);
        JobCompleted done = assertInstanceOf(JobCompleted.class, events.getLast(), events.getLast().toString());
        assertEquals(Fixtures.expectedText(MODEL, "video", n), done.text());
        assertEquals(Fixtures.testCase(MODEL, "video").get("num_input_ids").asInt(), done.usage().promptTokens());
        assertEquals(4 * 256, done.usage().imageTokens());
    }

    @Test
    void segmentModePublishesEveryWindowThenTheJoinedAnswer() throws Exception {
        MediaRef clip = video(Files.readAllBytes(CLIP), "mp4");
        JobSubmitted job = jobs.submit(job("Describe this part.", clip, 4, 2, 1.0, null, null));
        List<JobEvent> events = jobs.awaitTerminal(job.jobId(), WAIT);
        JobCompleted done = assertInstanceOf(JobCompleted.class, events.getLast(), events.getLast().toString());
        List<SegmentCompleted> segments = events.stream().filter(SegmentCompleted.class::isInstance)
                .map(SegmentCompleted.class::cast).toList();
        assertEquals(2, segments.size(), "1.6 s in 1 s windows");
        assertEquals(0.0, segments.get(0).startSeconds());
        assertEquals(1.0, segments.get(0).endSeconds());
        assertEquals(1.0, segments.get(1).startSeconds());
        assertEquals(1.6, segments.get(1).endSeconds(), 1e-9, "the last window ends with the clip");
        StringBuilder[] perSegment = {new StringBuilder(), new StringBuilder()};
        long seq = 0;
        int lastSegment = 0;
        for (JobEvent e : events) {
            if (e instanceof TokenDelta d) {
                assertEquals(seq++, d.seq(), "one sequence across windows");
                assertTrue(d.segment() != null && d.segment() >= lastSegment, "deltas are tagged, in window order");
                lastSegment = d.segment();
                perSegment[d.segment()].append(d.text());
            }
            if (e instanceof SegmentCompleted s) {
                assertEquals(perSegment[s.segment()].toString(), s.text(), "a window's deltas are its answer");
                assertTrue(events.indexOf(e) > 0);
            }
        }
        assertEquals("[0:00–0:01] " + segments.get(0).text() + "\n[0:01–0:01.6] " + segments.get(1).text(),
                done.text());

        // window 0 is exactly the bounded reference call over its span
        JobSubmitted bounded = jobs.submit(job("Describe this part.", clip, 4, 2, null, 0.0, 1.0));
        JobCompleted plain = assertInstanceOf(JobCompleted.class,
                jobs.awaitTerminal(bounded.jobId(), WAIT).getLast());
        assertEquals(plain.text(), segments.get(0).text());
    }

    @Test
    void damagedOrLyingVideosFailWithStableCodes() throws Exception {
        byte[] mp4 = Files.readAllBytes(CLIP);
        List<String[]> cases = new ArrayList<>();
        // truncated (the index at the end is cut off)
        List<JobSubmitted> submitted = new ArrayList<>();
        submitted.add(jobs.submit(job("What happens?", video(Arrays.copyOf(mp4, mp4.length / 2), "mp4"), 4, 2,
                null, null, null)));
        cases.add(new String[]{ErrorCodes.MEDIA_INVALID, "truncated"});
        // a codec the worker does not decode
        Path mpeg4 = Files.createTempFile("mpeg4-", ".mp4");
        TestClips.make(mpeg4, "mpeg4", 64, 48, 10, 1, 10);
        submitted.add(jobs.submit(job("What happens?", video(Files.readAllBytes(mpeg4), "mp4"), 4, 2, null, null,
                null)));
        Files.deleteIfExists(mpeg4);
        cases.add(new String[]{ErrorCodes.UNSUPPORTED_MEDIA, "mpeg4"});
        // the header claims a duration far over the worker's limit
        byte[] forged = mp4.clone();
        int mvhd = lastIndexOf(forged, "mvhd");
        ByteBuffer.wrap(forged).putInt(mvhd + 20, 0x7fffffff);
        ByteBuffer.wrap(forged).putInt(lastIndexOf(forged, "mdhd") + 20, 0x7fffffff);
        submitted.add(jobs.submit(job("What happens?", video(forged, "mp4"), 4, 2, null, null, null)));
        cases.add(new String[]{ErrorCodes.MEDIA_TOO_LARGE, "forged duration"});
        // the container says HEVC, the samples are H.264
        byte[] hevc = mp4.clone();
        System.arraycopy("hvc1".getBytes(StandardCharsets.US_ASCII), 0, hevc, lastIndexOf(hevc, "avc1"), 4);
        submitted.add(jobs.submit(job("What happens?", video(hevc, "mp4"), 4, 2, null, null, null)));
        cases.add(new String[]{ErrorCodes.MEDIA_INVALID, "codec mismatch"});
        for (int i = 0; i < submitted.size(); i++) {
            JobEvent last = jobs.awaitTerminal(submitted.get(i).jobId(), WAIT).getLast();
            JobFailed f = assertInstanceOf(JobFailed.class, last, cases.get(i)[1] + ": " + last);
            assertEquals(cases.get(i)[0], f.code(), cases.get(i)[1] + ": " + f.reason());
        }
    }

    private static int lastIndexOf(byte[] data, String ascii) {
        byte[] n = ascii.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = data.length - n.length; i >= 0; i--) {
            for (int j = 0; j < n.length; j++) {
                if (data[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException(ascii + " not found");
    }
}
