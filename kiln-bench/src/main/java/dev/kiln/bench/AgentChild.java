package dev.kiln.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code kiln agent} in a JVM of its own, started as {@code ./kiln agent} starts it (same main class, the launcher's
 * agent heap), so its CPU, and its jobs', can be read from {@code /proc/<pid>}. Output goes to {@code agent.log} in its
 * work dir.
 */
final class AgentChild implements AutoCloseable {
    /** The JVM options {@code ./kiln} gives an agent by default (keep in step with the launcher). */
    static final String LAUNCHER_JVM_OPTS = "-Xmx256m";

    private final Process process;

    private AgentChild(Process process) {
        this.process = process;
    }

    /** {@code servers}: every server's URL, comma-separated, the one to try first first. */
    static AgentChild start(String servers, String token, String name, int capacity, Path workDir) throws IOException {
        Files.createDirectories(workDir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", LAUNCHER_JVM_OPTS,
                "-cp", System.getProperty("java.class.path"), "dev.kiln.app.Main", "agent", "--server", servers,
                "--name", name, "--capacity", Integer.toString(capacity), "--work-dir", workDir.toString()));
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(workDir.resolve("agent.log").toFile());
        pb.environment().put("KILN_AGENT_TOKEN", token); // not on the command line, where ps shows it
        return new AgentChild(pb.start());
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGTERM, without waiting: it has no job left to wait for. */
    void terminate() {
        process.destroy();
    }

    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
}
