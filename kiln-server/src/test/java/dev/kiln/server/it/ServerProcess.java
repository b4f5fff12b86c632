package dev.kiln.server.it;

import static org.awaitility.Awaitility.await;

import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.fleet.FleetRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A Kiln server in a JVM of its own, so a test can kill it with SIGKILL. Arguments: data dir, embedded agent capacity
 * (0 = no embedded agent), and optionally seconds until a gone agent's jobs are lost, heartbeat timeout, port, a
 * kiln.yaml to load. Writes its port to {@code <data dir>/port} once it listens.
 */
public final class ServerProcess {
    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        int capacity = Integer.parseInt(args[1]);
        int lostAfter = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int heartbeat = args.length > 3 ? Integer.parseInt(args[3]) : 6;
        int port = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        var config = new ServerConfig(dataDir, "127.0.0.1", port, capacity > 0, "embedded", capacity, Map.of(),
                new FleetRegistry.Timing(Duration.ofSeconds(lostAfter), Duration.ofSeconds(heartbeat)), true);
        if (args.length > 5) config = config.withGraphFile(Path.of(args[5]));
        KilnServer server = KilnServer.start(config, new TestEmbeddedAgent());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        Path tmp = dataDir.resolve("port.tmp");
        Files.writeString(tmp, Integer.toString(server.port()));
        Files.move(tmp, dataDir.resolve("port"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Thread.currentThread().join();
    }

    /** Starts one and waits until it listens. */
    public static Handle launch(Path dataDir, int capacity) throws IOException, InterruptedException {
        return launch(dataDir, capacity, 3, 6, 0);
    }

    public static Handle launch(Path dataDir, int capacity, int lostAfter, int heartbeat, int port)
            throws IOException, InterruptedException {
        return launch(dataDir, capacity, lostAfter, heartbeat, port, null);
    }

    /** {@code graph}: a kiln.yaml the server loads (--graph), or null. */
    public static Handle launch(Path dataDir, int capacity, int lostAfter, int heartbeat, int port, Path graph)
            throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        Files.deleteIfExists(dataDir.resolve("port"));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp, ServerProcess.class.getName(), dataDir.toString(),
                Integer.toString(capacity), Integer.toString(lostAfter), Integer.toString(heartbeat), Integer.toString(port)));
        if (graph != null) cmd.add(graph.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("server-" + System.nanoTime() + ".log").toFile()).start();
        try {
            await("server process writes its port").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) throw new IllegalStateException("server process exited with " + p.exitValue());
                return Files.exists(dataDir.resolve("port"));
            });
        } catch (ConditionTimeoutException notListening) {
            p.destroyForcibly();
            throw notListening;
        }
        int listening = Integer.parseInt(Files.readString(dataDir.resolve("port")).strip());
        String admin = Files.readString(dataDir.resolve("admin-token")).strip();
        return new Handle(p, new Api("http://127.0.0.1:" + listening, admin));
    }

    public static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public record Handle(Process process, Api api) implements AutoCloseable {
        public String baseUrl() {
            return api.base();
        }

        public void kill9() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL on Linux
            process.waitFor();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
            }
        }
    }
}
