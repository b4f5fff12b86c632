package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./kiln} launcher gives the JVM a bounded heap by default (server and CLI {@code -Xmx384m}, agent
 * {@code -Xmx256m}) and {@code KILN_JAVA_OPTS} replaces it. Run on a copy of the real script beside a stand-in JDK whose
 * {@code java} prints its arguments, and a kiln.jar newer than any source, so nothing is built.
 */
class LauncherScriptTest {
    @TempDir
    Path dir;

    @Test
    void boundsTheHeapByDefaultAndLetsKilnJavaOptsReplaceIt() throws Exception {
        Path script = dir.resolve("kiln");
        Files.copy(repositoryRoot().resolve("kiln"), script);
        executable(script, "");
        executable(dir.resolve("scripts/find-jdk.sh"), "#!/bin/sh\necho " + dir.resolve("jdk") + "\n");
        executable(dir.resolve("jdk/bin/java"), "#!/bin/sh\necho \"$*\"\n");
        Files.createDirectories(dir.resolve("kiln-app/target"));
        Files.writeString(dir.resolve("kiln-app/target/kiln.jar"), "");
        String jar = dir.resolve("kiln-app/target/kiln.jar").toString();

        assertThat(run(Map.of(), "server", "--port", "0")).isEqualTo("-Xmx384m -jar " + jar + " server --port 0");
        assertThat(run(Map.of(), "agent", "--server", "http://x")).isEqualTo("-Xmx256m -jar " + jar + " agent --server http://x");
        assertThat(run(Map.of(), "jobs")).isEqualTo("-Xmx384m -jar " + jar + " jobs");
        assertThat(run(Map.of("KILN_JAVA_OPTS", "-Xmx2g -XX:+UseSerialGC"), "server"))
                .isEqualTo("-Xmx2g -XX:+UseSerialGC -jar " + jar + " server");
        assertThat(run(Map.of("KILN_JAVA_OPTS", ""), "server")).isEqualTo("-jar " + jar + " server");
    }

    private String run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        var cmd = new ArrayList<>(List.of("bash", dir.resolve("kiln").toString()));
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("KILN_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    private static void executable(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        if (!text.isEmpty()) Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The checkout's root (the tests run in kiln-app). */
    private static Path repositoryRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve("kiln")) && Files.isDirectory(d.resolve("kiln-app"))) return d;
        }
        throw new AssertionError("the kiln script was not found above " + Path.of("").toAbsolutePath());
    }
}
