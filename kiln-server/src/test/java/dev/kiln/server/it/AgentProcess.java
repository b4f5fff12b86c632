package dev.kiln.server.it;

import dev.kiln.agent.Agent;
import dev.kiln.agent.AgentConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A remote agent in a JVM of its own. Arguments: server base URL (several: comma-separated), name, labels, capacity, work dir. */
public final class AgentProcess {
    public static void main(String[] args) throws Exception {
        List<URI> ws = java.util.Arrays.stream(args[0].split(","))
                .map(url -> URI.create(url.replaceFirst("^http", "ws") + "/api/v1/agent/ws")).toList();
        var config = new AgentConfig(ws.getFirst(), System.getenv("KILN_AGENT_TOKEN"), args[1], AgentConfig.parseLabels(args[2]),
                Integer.parseInt(args[3]), Path.of(args[4]), "test", Duration.ofMillis(100), AgentConfig.DEFAULT_KEEP_WORKSPACES,
                ws.subList(1, ws.size()));
        var agent = new Agent(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> agent.shutdown(true, Duration.ofSeconds(60))));
        agent.start();
        Thread.currentThread().join();
    }

    /** Starts an agent with a fresh agent token made with {@code admin}. */
    public static Process launch(Api admin, String name, String labels, int capacity, Path workDir) throws IOException {
        return launch(admin.base(), admin.createToken(name, "agent"), name, labels, capacity, workDir);
    }

    public static Process launch(String serverUrl, String token, String name, String labels, int capacity, Path workDir)
            throws IOException {
        return launch(serverUrl, token, name, labels, capacity, workDir, List.of());
    }

    /** {@code jvmOptions}: for the agent's JVM, e.g. {@code -XX:TieredStopAtLevel=1}. */
    public static Process launch(String serverUrl, String token, String name, String labels, int capacity, Path workDir,
                                 List<String> jvmOptions) throws IOException {
        Files.createDirectories(workDir);
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var cmd = new java.util.ArrayList<>(List.of(java));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", cp, AgentProcess.class.getName(), serverUrl, name, labels, Integer.toString(capacity),
                workDir.toString()));
        var pb = new ProcessBuilder(cmd);
        if (token != null) pb.environment().put("KILN_AGENT_TOKEN", token);
        return pb.redirectErrorStream(true).redirectOutput(workDir.resolve("agent.log").toFile()).start();
    }

    static void stop(Process p) throws InterruptedException {
        if (p.isAlive()) {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        }
    }

    /** SIGSTOP / SIGCONT: the process freezes with its sockets open, like a machine that stops answering. */
    static void signal(Process p, String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start().waitFor();
    }
}
