package dev.vlmesh.results;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.cli.ExitCodes;
import dev.vlmesh.cli.Main;
import dev.vlmesh.engine.video.TestClips;
import dev.vlmesh.testing.LocalStack;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Videos through the whole stack, nothing played by the test: the CLI and the console upload to the real
 * ingest-service, the real infer-service decodes the video and runs a fixture model, results-service (under test)
 * folds the events and streams them back. Whole-clip answers, segment mode with its timeline in the CLI, the REST
 * API and the console, and refusals (at ingest for a broken container, as a failed job for a codec the worker does
 * not decode).
 */
@QuarkusTest
@QuarkusTestResource(value = VideoStackResource.class, restrictToAnnotatedClass = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VideoEndToEndTest {

    static final Duration WAIT = Duration.ofSeconds(120);
    static final Path CLIP = LocalStack.repoRoot()
            .resolve("engine/src/test/resources/fixtures/video/clips/h264_160x120_10fps_16f.mp4");
    static final Pattern JOB_ID = Pattern.compile("job (job_[A-Za-z0-9_-]+)");

    @TestHTTPResource("/")
    URL base;

    WebDriver browser;

    @BeforeEach
    void ready() {
        Ready.await();
    }

    @AfterAll
    void close() {
        if (browser != null) {
            browser.quit();
        }
    }

    String resultsUrl() {
        return base.toString().replaceAll("/$", "");
    }

    record Run(int code, String out, String err) {
        String jobId() {
            Matcher m = JOB_ID.matcher(err);
            assertTrue(m.find(), "no job id in: " + err);
            return m.group(1);
        }
    }

    Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("VLMESH_API_KEY", TestKeys.DEMO, "VLMESH_RESULTS_URL", resultsUrl(),
                "VLMESH_INGEST_URL", ConfigProvider.getConfig().getValue("vlmesh.console.ingest-url", String.class));
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--timeout", String.valueOf(WAIT.toSeconds())));
        int code = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env).run(all.toArray(String[]::new));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    JsonPath job(String id) {
        return given().header("Authorization", "Bearer " + TestKeys.DEMO).get("/v1/jobs/" + id).then()
                .statusCode(200).extract().jsonPath();
    }

    @Test
    void aVideoIsAnsweredFromItsSampledFrames() {
        Run r = cli("ask", CLIP.toString(), "What happens in this video?", "--num-frames", "4",
                "--max-new-tokens", "6");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonPath job = job(r.jobId());
        assertEquals("succeeded", job.getString("status"));
        assertEquals("video", job.getString("media[0].kind"));
        assertEquals(4 * 256, job.getInt("usage.image_tokens"), "four frames, one 448 px tile each");
        assertEquals(job.getString("text") + "\n", r.out());
    }

    @Test
    void segmentModeStreamsEachWindowWithItsTimeRange() {
        Run r = cli("describe", CLIP.toString(), "--segment-seconds", "1", "--num-frames", "2",
                "--max-new-tokens", "4");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("0.0 s – 1.0 s"), r.out());
        assertTrue(r.out().contains("1.0 s – 1.6 s"), r.out());
        JsonPath job = job(r.jobId());
        assertEquals(2, job.getList("segments").size());
        assertEquals(0.0, job.getDouble("segments[0].start_seconds"));
        assertEquals(1.0, job.getDouble("segments[0].end_seconds"));
        assertEquals(1.6, job.getDouble("segments[1].end_seconds"), 1e-9);
        assertEquals("[0:00–0:01] " + job.getString("segments[0].text") + "\n[0:01–0:01.6] "
                + job.getString("segments[1].text"), job.getString("text"));
    }

    @Test
    void brokenVideosAndUndecodableCodecsAreRefusedAtIngest() throws Exception {
        Path dir = Files.createTempDirectory("video-e2e-");
        byte[] mp4 = Files.readAllBytes(CLIP);
        Path cut = Files.write(dir.resolve("cut.mp4"), Arrays.copyOf(mp4, mp4.length / 2));
        Run refused = cli("describe", cut.toString());
        assertEquals(ExitCodes.REFUSED, refused.code(), refused.err());
        // a codec the workers do not decode is refused by ingest from the container header (the worker's own check,
        // for files whose stream is not what the header says, is covered by infer's VideoJobTest)
        Path mpeg4 = TestClips.make(dir.resolve("mpeg4.mp4"), "mpeg4", 64, 48, 10, 1, 10);
        Run codec = cli("describe", mpeg4.toString(), "--max-new-tokens", "4");
        assertEquals(ExitCodes.REFUSED, codec.code(), codec.err());
        assertTrue(codec.err().contains("mpeg4"), codec.err());
    }

    @Test
    void theConsoleShowsTheSegmentTimeline() throws Exception {
        WebDriver b = browser();
        b.get(resultsUrl() + "/");
        ClientsTest.waitFor(b, "console ready", d -> "true".equals(d.findElement(By.tagName("body"))
                .getDomAttribute("data-ready")));
        WebElement key = b.findElement(By.id("api-key"));
        key.clear();
        key.sendKeys(TestKeys.DEMO);
        b.findElement(By.id("save-key")).click();
        b.findElement(By.id("file")).sendKeys(CLIP.toString());
        b.findElement(By.cssSelector("#video-options summary")).click();
        b.findElement(By.id("segment-seconds")).sendKeys("1");
        b.findElement(By.id("num-frames")).sendKeys("2");
        b.findElement(By.id("submit")).click();
        ClientsTest.waitFor(b, "job succeeded", d -> ClientsTest.text(d, "job-status").equals("succeeded"));
        ClientsTest.waitFor(b, "two windows on the timeline",
                d -> d.findElements(By.cssSelector("#timeline .block")).size() == 2);
        List<WebElement> items = b.findElements(By.cssSelector("#segments li"));
        assertEquals(2, items.size());
        assertEquals("0:00–0:01", items.get(0).findElement(By.className("range")).getText());
        assertEquals("0:01–0:01.6", items.get(1).findElement(By.className("range")).getText());
        assertTrue(items.get(1).getDomAttribute("class").contains("done"));
        String id = ClientsTest.text(b, "job-id");
        assertEquals(job(id).getString("segments[0].text"),
                items.get(0).findElement(By.className("text")).getText().strip());
        ClientsTest.screenshot(b, "video-segments.png");
    }

    WebDriver browser() throws Exception {
        if (browser == null) {
            Path profile = Files.createTempDirectory("vlmesh-chromium-");
            ChromeOptions options = new ChromeOptions();
            options.setBinary("/usr/bin/chromium");
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
            browser = new ChromeDriver(service, options);
            browser.manage().timeouts().pageLoadTimeout(WAIT);
        }
        return browser;
    }
}
