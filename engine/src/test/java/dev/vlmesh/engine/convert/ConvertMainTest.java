package dev.vlmesh.engine.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit codes, reason codes first on refusals, and the three commands end to end. */
class ConvertMainTest {

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ConvertMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void convertsVerifiesAndExportsBack() throws Exception {
        Path src = ConvertFixtures.model(ConvertFixtures.C, "hf");
        Path mm = tmp.resolve("mm");
        Run c = run("hf-to-mm", "--src", src.toString(), "--out", mm.toString(), "--tp", "2", "--llm-pp",
                "[[1,3]]", "--vit-pp", "[[2,0]]", "--quiet");
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("converted"), c.out());
        Run v = run("verify", "--mm", mm.toString(), "--hf", src.toString(), "--round-trip", "--work", tmp.toString());
        assertEquals(0, v.code(), v.out() + v.err());
        assertTrue(v.out().contains("ok      round trip: all"), v.out());
        Path back = tmp.resolve("back");
        Run b = run("mm-to-hf", "--src", mm.toString(), "--out", back.toString(), "--layout", "original");
        assertEquals(0, b.code(), b.err());
        assertTrue(Files.isRegularFile(back.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(back.resolve("config.json")));
    }

    @Test
    void refusalsPrintTheStableCodeAndExitOne() {
        Run r = run("hf-to-mm", "--src", ConvertFixtures.model(ConvertFixtures.A, "hf").toString(), "--out",
                tmp.resolve("x").toString(), "--tp", "2");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("bad_parallel_config: "), r.err());
        Run v = run("verify", "--mm", tmp.resolve("nothing").toString());
        assertEquals(1, v.code());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run().code());
        assertEquals(2, run("frobnicate").code());
        assertEquals(2, run("hf-to-mm", "--src").code());
        assertEquals(2, run("hf-to-mm", "--out", "x").code());
        assertEquals(2, run("mm-to-hf", "--src", "a", "--out", "b", "--layout", "weird").code());
    }
}
