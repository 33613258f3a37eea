package dev.vlmesh.results;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.cli.ExitCodes;
import dev.vlmesh.cli.Main;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.Task;
import dev.vlmesh.testing.TestStack;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The two clients against the running services: the {@code vlmesh} CLI (its real code, real HTTP) and the web
 * console in a real headless Chromium driven by Selenium. Submissions go to the real ingest-service (its packaged
 * jar, started by {@link ClientsStackResource}); the test then plays the infer worker — it reads each
 * {@link JobSubmitted} from the broker and publishes the job's events — so the answer streams through the real
 * broker, state store and SSE.
 */
@QuarkusTest
@QuarkusTestResource(value = ClientsStackResource.class, restrictToAnnotatedClass = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientsTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    TestStack stack;
    Submissions submissions;
    Publisher events;
    WebDriver browser;

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void publisher() {
        Ready.await();
        if (events == null) {
            events = new Publisher(stack.producer(), stack.topics());
            submissions = new Submissions(stack.settings().kafkaBootstrap(), stack.topics().jobsSubmitted());
        }
    }

    @AfterAll
    void close() {
        if (browser != null) {
            browser.quit();
        }
        if (events != null) {
            events.close();
        }
        if (submissions != null) {
            try {
                submissions.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static String ingestUrl() {
        return ConfigProvider.getConfig().getValue("vlmesh.console.ingest-url", String.class);
    }

    /** The job's single medium is exactly this file (ingest stores media content-addressed). */
    static void assertMediumIs(JobSubmitted job, Path file) throws Exception {
        assertEquals(1, job.media().size());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))),
                job.media().getFirst().sha256());
        assertEquals(Files.size(file), job.media().getFirst().sizeBytes());
    }

    String resultsUrl() {
        return base.toString().replaceAll("/$", "");
    }

    // ------------------------------------------------------------------ CLI

    record Run(int code, String out, String err) {
    }

    Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("VLMESH_API_KEY", TestKeys.DEMO, "VLMESH_RESULTS_URL", resultsUrl(),
                "VLMESH_INGEST_URL", ingestUrl());
        int code = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env).run(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    CompletableFuture<Run> cliAsync(String... args) {
        return CompletableFuture.supplyAsync(() -> cli(args));
    }

    @Test
    void cliDescribeUploadsWithProgressAndStreamsTheAnswer() throws Exception {
        Path png = TestMedia.shapesPng(TestMedia.dir(), "cli-shapes.png");
        CompletableFuture<Run> run = cliAsync("describe", png.toString());
        JobSubmitted a = submissions.next(60);
        assertEquals(Task.DESCRIBE, a.task());
        assertMediumIs(a, png);
        String id = a.jobId();
        events.started(id, "demo", 1);
        events.delta(id, "demo", 1, 0, "A red square ");
        events.delta(id, "demo", 1, 1, "and a blue circle.");
        events.completed(id, "demo", 1, "A red square and a blue circle.", "stop");
        Run r = run.get(60, TimeUnit.SECONDS);
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals("A red square and a blue circle.\n", r.out());
        assertTrue(r.err().contains("uploading cli-shapes.png 100%"), r.err());
        assertTrue(r.err().contains("job " + id), r.err());
        assertTrue(r.err().contains("succeeded"), r.err());
    }

    @Test
    void cliSubmitsAChinesePromptAndWatchesFailuresAndCancels() throws Exception {
        Path png = TestMedia.shapesPng(TestMedia.dir(), "cli-ask.png");
        Run submitted = cli("-q", "submit", png.toString(), "--task", "chat", "--prompt", "图片里有几个圆形？",
                "--max-new-tokens", "32");
        assertEquals(ExitCodes.OK, submitted.code(), submitted.err());
        JobSubmitted a = submissions.next(60);
        assertEquals(a.jobId(), submitted.out().strip(), "submit prints the job id");
        assertEquals("图片里有几个圆形？", a.prompt());
        assertEquals(Task.CHAT, a.task());
        assertEquals(32, a.options().maxNewTokens());

        String failed = a.jobId();
        events.started(failed, "demo", 1);
        events.failed(failed, "demo", 1, ErrorCodes.MEDIA_INVALID, "the image could not be decoded");
        Run watched = cli("watch", failed);
        assertEquals(ExitCodes.JOB_FAILED, watched.code());
        assertTrue(watched.err().contains("media_invalid: the image could not be decoded"), watched.err());

        String cancelled = Ids.newJobId();
        events.submit(cancelled, "demo", Task.DESCRIBE, null, null, null, null);
        events.started(cancelled, "demo", 1);
        events.delta(cancelled, "demo", 1, 0, "partial");
        Eventually.until(WAIT, "job visible", () -> cli("-q", "job", cancelled).code() == 0);
        assertEquals(ExitCodes.OK, cli("cancel", cancelled).code());
        events.completed(cancelled, "demo", 1, "partial", "cancelled");
        Run c = cli("watch", cancelled);
        assertEquals(ExitCodes.JOB_CANCELLED, c.code(), c.err());
        assertEquals("partial\n", c.out());

        Run jobs = cli("jobs", "--status", "failed");
        assertEquals(ExitCodes.OK, jobs.code(), jobs.err());
        assertTrue(jobs.out().contains(failed) && !jobs.out().contains(cancelled), jobs.out());
        Run json = cli("jobs", "--json", "--limit", "50");
        assertTrue(json.out().contains("\"" + cancelled + "\""), json.out());
    }

    @Test
    void cliReportsRefusalsWithTheProblemDetail() {
        Run rejected = cli("ocr", TestMedia.notAnImage(TestMedia.dir()).toString());
        assertEquals(ExitCodes.REFUSED, rejected.code());
        assertTrue(rejected.err().contains("Unsupported media"), rejected.err());
        Run unknown = cli("job", "job_nosuchjob");
        assertEquals(ExitCodes.REFUSED, unknown.code());
        assertTrue(unknown.err().contains("Job not found"), unknown.err());
        String queued = Ids.newJobId();
        events.submit(queued, "demo", Task.DESCRIBE, null, null, null, null);
        Run waited = cli("watch", queued, "--timeout", "1.5");
        assertEquals(ExitCodes.TIMEOUT, waited.code(), waited.err());
        assertTrue(waited.err().contains("vlmesh watch " + queued), waited.err());
        Run badKey = cli("--api-key", "not-a-key", "jobs");
        assertEquals(ExitCodes.REFUSED, badKey.code());
        assertTrue(badKey.err().contains("Unauthorized"), badKey.err());
    }

    // ------------------------------------------------------------------ console in Chromium

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

    WebDriver openConsole() throws Exception {
        WebDriver b = browser();
        b.get(resultsUrl() + "/");
        waitFor(b, "console ready", d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute(
                "data-ready")));
        WebElement key = b.findElement(By.id("api-key"));
        key.clear();
        key.sendKeys(TestKeys.DEMO);
        b.findElement(By.id("save-key")).click();
        return b;
    }

    static void waitFor(WebDriver b, String what, java.util.function.Function<WebDriver, Boolean> condition) {
        new WebDriverWait(b, WAIT).withMessage(what).until(condition::apply);
    }

    static String text(WebDriver b, String id) {
        return b.findElement(By.id(id)).getText();
    }

    @Test
    void consoleUploadsAnImageAndShowsTheAnswerAsItStreams() throws Exception {
        WebDriver b = openConsole();
        Path png = TestMedia.shapesPng(TestMedia.dir(), "browser-shapes.png");
        b.findElement(By.id("file")).sendKeys(png.toString());
        b.findElement(By.id("task-describe")).click();
        b.findElement(By.id("submit")).click();

        JobSubmitted a = submissions.next(60);
        assertMediumIs(a, png);
        String id = a.jobId();
        waitFor(b, "job shown", d -> text(d, "job-id").equals(id));

        events.started(id, "demo", 1);
        events.delta(id, "demo", 1, 0, "A red square");
        waitFor(b, "first words streamed in", d -> text(d, "answer").equals("A red square"));
        assertEquals("running", text(b, "job-status"));

        events.delta(id, "demo", 1, 1, " and a blue circle.");
        events.completed(id, "demo", 1, "A red square and a blue circle.", "stop");
        waitFor(b, "answer complete", d -> text(d, "job-status").equals("succeeded"));
        assertEquals("A red square and a blue circle.", text(b, "answer"));
        waitFor(b, "timings shown", d -> text(d, "timings").contains("total"));
        waitFor(b, "job listed", d -> d.findElements(By.cssSelector("#jobs tbody tr[data-id='" + id + "']"))
                .size() == 1);
        assertTrue(b.findElement(By.id("problem")).getDomAttribute("hidden") != null, "no problem shown");
        screenshot(b, "answer.png");
    }

    /** Keeps what the browser showed under target/console-screenshots, for a person to look at. */
    static void screenshot(WebDriver b, String name) throws Exception {
        Path dir = Path.of("target", "console-screenshots");
        Files.createDirectories(dir);
        byte[] png = ((org.openqa.selenium.TakesScreenshot) b).getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
        Files.write(dir.resolve(name), png);
    }

    @Test
    void consoleShowsTheProblemOfARejectedFile() throws Exception {
        WebDriver b = openConsole();
        b.findElement(By.id("file")).sendKeys(TestMedia.notAnImage(TestMedia.dir()).toString());
        b.findElement(By.id("task-ocr")).click();
        b.findElement(By.id("submit")).click();
        waitFor(b, "problem shown", d -> d.findElement(By.id("problem")).isDisplayed());
        assertTrue(text(b, "problem-title").startsWith("Unsupported media"), text(b, "problem-title"));
        assertTrue(text(b, "problem-detail").contains("scan.png"), text(b, "problem-detail"));
        assertTrue(text(b, "problem-status").contains("415"), text(b, "problem-status"));
        screenshot(b, "rejected.png");
    }

    @Test
    void consoleAsksAChineseQuestionAboutASampleAndShowsAFailure() throws Exception {
        WebDriver b = openConsole();
        waitFor(b, "samples listed", d -> d.findElements(By.cssSelector("#sample option[value='shapes.png']"))
                .size() == 1);
        new Select(b.findElement(By.id("sample"))).selectByValue("shapes.png");
        b.findElement(By.id("task-chat")).click();
        b.findElement(By.id("prompt")).sendKeys("图片里有几个圆形？");
        b.findElement(By.id("submit")).click();
        JobSubmitted a = submissions.next(60);
        assertMediumIs(a, TestMedia.samplesDir().resolve("shapes.png"));
        assertEquals("图片里有几个圆形？", a.prompt());
        assertEquals(Task.CHAT, a.task());
        String id = a.jobId();
        events.started(id, "demo", 1);
        events.delta(id, "demo", 1, 0, "一个");
        waitFor(b, "chinese answer streamed", d -> text(d, "answer").equals("一个"));
        events.failed(id, "demo", 1, ErrorCodes.BACKEND_UNAVAILABLE, "the worker lost its model");
        waitFor(b, "failure shown", d -> text(d, "job-status").equals("failed"));
        assertTrue(text(b, "job-error").contains("backend_unavailable: the worker lost its model"),
                text(b, "job-error"));
        given().header("X-API-Key", TestKeys.DEMO).get("/v1/jobs/" + id).then().statusCode(200);
        screenshot(b, "failed.png");
    }
}
