package dev.kiln.server.it;

import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.jobs.JobEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Kiln server in a JVM of its own, so a test can kill it with SIGKILL. Arguments: data dir, agent capacity. Writes
 * its port to {@code <data dir>/port} once it listens.
 */
public final class ServerProcess {
    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        var config = new ServerConfig(dataDir, "127.0.0.1", 0, true, "embedded", Integer.parseInt(args[1]), Map.of(),
                new JobEngine.Config(Duration.ofSeconds(3), Duration.ofSeconds(6)));
        KilnServer server = KilnServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        Path tmp = dataDir.resolve("port.tmp");
        Files.writeString(tmp, Integer.toString(server.port()));
        Files.move(tmp, dataDir.resolve("port"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Thread.currentThread().join();
    }

    /** Starts one and waits until it listens. */
    public static Handle launch(Path dataDir, int capacity) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        Files.deleteIfExists(dataDir.resolve("port"));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp, ServerProcess.class.getName(), dataDir.toString(),
                Integer.toString(capacity)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("server-" + System.nanoTime() + ".log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(dataDir.resolve("port"))) {
            if (!p.isAlive()) throw new IllegalStateException("server process exited with " + p.exitValue());
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("server process did not start within 60 s");
            }
            Thread.sleep(50);
        }
        int port = Integer.parseInt(Files.readString(dataDir.resolve("port")).strip());
        return new Handle(p, new Api("http://127.0.0.1:" + port));
    }

    public record Handle(Process process, Api api) implements AutoCloseable {
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
