package dev.kiln.server.it;

import dev.kiln.server.store.postgres.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntUnaryOperator;

/**
 * Several server processes ({@link ServerProcess}, no embedded agent, one {@code secrets.key}) on one fresh
 * {@link TestPostgres} database, and remote agent processes ({@link AgentProcess}) that each list every server, in an
 * order rotated by the agent's index so that the agents spread over the servers and a dead server's agents spread over
 * the others. {@link #close} stops the agents, then the servers, in whatever state they are, and keeps their logs.
 */
final class Cluster implements AutoCloseable {
    /** The servers' production defaults: an agent that fails over is not raced by a short loss timer. */
    private static final int AGENT_LOST_AFTER = 15, HEARTBEAT_TIMEOUT = 15;
    /**
     * Nine JVMs share the test machine's cores: the client compiler only (C2's compiling outweighs what it saves in a
     * few minutes' run) and the serial collector keep their CPU for the work under test.
     */
    private static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final Path dir;
    private final List<ServerProcess.Handle> servers = new ArrayList<>();
    private final List<Process> agents = new ArrayList<>();

    private Cluster(Path dir) {
        this.dir = dir;
    }

    /** {@code count} servers on a new database, each listening on 127.0.0.1. */
    static Cluster start(Path dir, int count) throws Exception {
        var cluster = new Cluster(dir);
        try {
            String database = TestPostgres.newDatabase();
            // the first migrates the database and makes the key the others share; they then start side by side
            cluster.servers.add(launch(dir.resolve("server-0"), database));
            var launching = new ArrayList<Future<ServerProcess.Handle>>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 1; i < count; i++) {
                    Path data = dir.resolve("server-" + i);
                    KilnTestServer.shareSecretsKey(dir.resolve("server-0"), data);
                    launching.add(pool.submit(() -> launch(data, database)));
                }
            }
            Exception failed = null;
            for (var f : launching) {
                try {
                    cluster.servers.add(f.get());
                } catch (ExecutionException e) {
                    failed = e; // the others that started are still closed below
                }
            }
            if (failed != null) throw failed;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static ServerProcess.Handle launch(Path data, String database) throws IOException, InterruptedException {
        return ServerProcess.launch(data, 0, AGENT_LOST_AFTER, HEARTBEAT_TIMEOUT, 0, Map.of("database", database), JVM_OPTIONS);
    }

    /** {@code count} agents, agent {@code i} with {@code capacity.applyAsInt(i)} slots, each with its own agent token. */
    void startAgents(int count, IntUnaryOperator capacity) throws IOException {
        for (int i = 0; i < count; i++) {
            String name = "agent-" + i;
            agents.add(AgentProcess.launch(urlsFrom(i % servers.size()), api(0).createToken(name, "agent"), name, "",
                    capacity.applyAsInt(i), dir.resolve(name), JVM_OPTIONS));
        }
    }

    /** Every server's URL, comma-separated, starting with server {@code first}. */
    String urlsFrom(int first) {
        var urls = new ArrayList<String>();
        for (int k = 0; k < servers.size(); k++) urls.add(servers.get((first + k) % servers.size()).baseUrl());
        return String.join(",", urls);
    }

    int size() {
        return servers.size();
    }

    ServerProcess.Handle server(int i) {
        return servers.get(i);
    }

    /** Server {@code i}'s API, with its admin token (valid on every server: one database). */
    Api api(int i) {
        return servers.get(i).api();
    }

    /** Agents connected to server {@code i} (its registry shows the others offline). */
    int agentsConnected(int i) {
        int n = 0;
        for (var w : api(i).get("/api/v1/workers").json().get("workers")) {
            if (!w.get("state").asText().equals("offline")) n++;
        }
        return n;
    }

    @Override
    public void close() throws InterruptedException {
        for (Process agent : agents) AgentProcess.stop(agent);
        for (ServerProcess.Handle server : servers) server.close();
        keepLogs();
    }

    /**
     * Copies every server's and agent's log to {@code target/cluster-logs/<time>/}: the data dirs are temporary, and a
     * run that ended a job wrongly is only explained by what the processes said.
     */
    private void keepLogs() {
        Path kept = Path.of("target", "cluster-logs", Long.toString(System.currentTimeMillis()));
        try (var files = Files.walk(dir)) {
            for (Path log : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                Path to = kept.resolve(dir.relativize(log).toString().replace('/', '-'));
                Files.createDirectories(kept);
                Files.copy(log, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not keep the cluster's logs: " + e);
        }
    }
}
