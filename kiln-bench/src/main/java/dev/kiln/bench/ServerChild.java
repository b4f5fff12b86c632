package dev.kiln.bench;

import dev.kiln.agent.Directories;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code kiln server} in a JVM of its own, started as {@code ./kiln server} starts it (same main class, same default
 * JVM options), so the driver's CPU is not the server's and the server's threads and memory can be read from
 * {@code /proc/<pid>} without the driver in them. Its output goes to {@code server.log} beside the data dir while it runs.
 */
final class ServerChild implements AutoCloseable {
    /** The JVM options {@code ./kiln} gives the server by default (keep in step with the launcher's KILN_JAVA_OPTS). */
    static final String LAUNCHER_JVM_OPTS = "-Xmx384m";

    private final Process process;
    private final Path home;
    private final String baseUrl;
    private final String token;

    private ServerChild(Process process, Path home, String baseUrl, String token) {
        this.process = process;
        this.home = home;
        this.baseUrl = baseUrl;
        this.token = token;
    }

    /** Starts one with an embedded agent of {@code capacity} slots and waits until it serves. */
    static ServerChild start(String jvmOpts, int capacity) throws IOException, InterruptedException {
        return start(jvmOpts, List.of("--agent-capacity", Integer.toString(capacity)), null);
    }

    /**
     * Starts one with these {@code kiln server} options (after its own data dir and a free port) and waits until it
     * serves. {@code secretsKey}, unless null, is copied into the data dir first: servers of one database share it.
     */
    static ServerChild start(String jvmOpts, List<String> options, Path secretsKey) throws IOException, InterruptedException {
        Path home = Files.createTempDirectory("kiln-bench-server");
        Path dataDir = home.resolve("data");
        if (secretsKey != null) {
            Files.createDirectories(dataDir);
            Files.copy(secretsKey, dataDir.resolve("secrets.key"));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        for (String o : jvmOpts.trim().split("\\s+")) if (!o.isEmpty()) cmd.add(o);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.kiln.app.Main", "server",
                "--data-dir", dataDir.toString(), "--port", "0"));
        cmd.addAll(options);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        var running = new CompletableFuture<String>();
        Thread.ofPlatform().daemon().name("server-output").start(() -> copyOutput(p, home.resolve("server.log"), running));
        String url;
        try {
            url = running.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException("the server did not start (see " + home.resolve("server.log") + ")", e);
        }
        return new ServerChild(p, home, url, Files.readString(dataDir.resolve("admin-token")).strip());
    }

    /** Keeps the child's output in a file (a full pipe would stop it) and reports its URL once it prints it. */
    private static void copyOutput(Process p, Path log, CompletableFuture<String> running) {
        try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             var out = new PrintWriter(Files.newBufferedWriter(log), true)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.println(line);
                if (line.startsWith("Kiln is running at ")) running.complete(line.split("\\s+")[4]);
            }
        } catch (IOException e) {
            running.completeExceptionally(e);
        }
        running.completeExceptionally(new IOException("the server exited"));
    }

    long pid() {
        return process.pid();
    }

    String baseUrl() {
        return baseUrl;
    }

    String token() {
        return token;
    }

    Path dataDir() {
        return home.resolve("data");
    }

    /** Resident set size of the server process, in bytes. */
    long rss() {
        return ProcStat.rss(pid());
    }

    /** Asks the server's JVM for a full GC (as {@code jcmd GC.run} does), so a heap figure read after it is the live set. */
    void gc() throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, Long.toString(pid()), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        Directories.deleteRecursively(home);
    }
}
