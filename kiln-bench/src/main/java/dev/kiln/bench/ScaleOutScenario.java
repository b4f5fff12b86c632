package dev.kiln.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 17: jobs/s with 1, 2 and 3 {@code kiln server} processes on one PostgreSQL and 2, 6 and 20 remote
 * {@code kiln agent} processes (capacity 1 or 2 each, every server's URL, rotated so they spread), all on loopback.
 * {@code true} jobs are submitted round-robin to the servers by 8 clients; the rate is from the first submit to the
 * last job finished. Beside each rate: the CPU each side spent in that window (servers, with the busiest single
 * thread; agents with their jobs; PostgreSQL; this driver) and the whole machine's, which together name the ceiling.
 * A fresh database for each number of servers; within it the agents grow from 2 to 6 to 20 (the earlier cells'
 * finished jobs stay in the tables, a few thousand rows), and each cell is measured after a warm-up run of its own (the
 * new agents' JIT). The bare spawn rate, measured first, is the baseline.
 */
final class ScaleOutScenario {
    private static final int[] SERVERS = {1, 2, 3};
    private static final int[] AGENTS = {2, 6, 20};
    private static final int CLIENTS = 8;
    private final Bench bench;
    private final List<ServerChild> servers = new ArrayList<>();
    private final List<AgentChild> agents = new ArrayList<>();
    private Path home;

    ScaleOutScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int n = Integer.getInteger("kiln.bench.jobs", bench.quick() ? 300 : 1500);
        int warmUp = Integer.getInteger("kiln.bench.warmUp", bench.quick() ? 100 : 500);
        double bare = ThroughputScenario.bareSpawnRate(Math.max(n, 500), bench.cores());
        Bench.report("scale-out", String.format("'true' jobs, n=%d per cell after %d warm-up; bare spawn %.0f/s; "
                + "CPU as %% of one core (the machine has %d)", n, warmUp, bare, bench.cores()));
        home = Files.createTempDirectory("kiln-bench-scale-out");
        // a driver stopped by Ctrl-C or a crash must not leave 20 agents and 3 servers behind
        Thread reaper = new Thread(this::stopAll);
        Runtime.getRuntime().addShutdownHook(reaper);
        try (var pg = BenchPostgres.start()) {
            for (int s : SERVERS) {
                String database = pg.newDatabase();
                startServers(s, database);
                for (int a : AGENTS) {
                    growAgentsTo(a);
                    runJobs(pg, database, "warm-up-" + s + "-" + a, warmUp); // the JIT, in every server and new agent
                    cell(pg, database, s, a, n, bare);
                }
                stopAll();
            }
        } finally {
            stopAll();
            Runtime.getRuntime().removeShutdownHook(reaper);
            dev.kiln.agent.Directories.deleteRecursively(home);
        }
    }

    /** One measured cell: its rate, and who spent the CPU. */
    private void cell(BenchPostgres pg, String database, int s, int a, int n, double bare) throws Exception {
        var serverThreads = servers.stream().map(c -> ThreadCpu.start(c.pid())).toList();
        long serversBefore = serversCpu(), agentsBefore = agentsCpu(), pgBefore = pg.cpuNs();
        long driverBefore = ProcStat.processCpuNs(ProcessHandle.current().pid()), machineBefore = ProcStat.machineBusyNs();
        String type = "scale-out-" + s + "-" + a;
        double secs = runJobs(pg, database, type, n);
        double serversPct = pct(serversCpu() - serversBefore, secs), agentsPct = pct(agentsCpu() - agentsBefore, secs);
        double pgPct = pct(pg.cpuNs() - pgBefore, secs);
        double driverPct = pct(ProcStat.processCpuNs(ProcessHandle.current().pid()) - driverBefore, secs);
        double machinePct = pct(ProcStat.machineBusyNs() - machineBefore, secs);
        ThreadCpu.Figures busiest = serverThreads.stream().map(t -> t.stop(n))
                .max((x, y) -> Long.compare(x.busiestNs(), y.busiestNs())).orElseThrow();
        double rate = n / secs;
        double[] waitRun;
        try (var c = pg.connect(database)) {
            waitRun = BenchPostgres.waitAndRunMs(c, type);
        }
        Bench.report("", String.format("servers %d, agents %2d (%2d slots): %4.0f jobs/s (%.0f%% of bare spawn); queue wait p50 %.0f ms, "
                        + "p90 %.0f ms, run p50 %.0f ms; CPU: servers %.0f%% "
                        + "(busiest thread %s %.0f µs/job), agents+jobs %.0f%%, PostgreSQL %.0f%%, driver %.0f%% (together %.0f%%); machine %.0f%% of %d00%%",
                s, a, slots(a), rate, 100 * rate / bare, waitRun[0], waitRun[1], waitRun[2], serversPct, busiest.busiestThread(), busiest.perJobUs(busiest.busiestNs()),
                agentsPct, pgPct, driverPct, serversPct + agentsPct + pgPct + driverPct, machinePct, bench.cores()));
    }

    /** {@code count} servers on {@code database}, no embedded agent; the first makes the key the others share. */
    private void startServers(int count, String database) throws IOException, InterruptedException {
        for (int i = 0; i < count; i++) {
            Path key = i == 0 ? null : servers.getFirst().dataDir().resolve("secrets.key");
            servers.add(ServerChild.start(ServerChild.LAUNCHER_JVM_OPTS, List.of("--no-embedded-agent", "--database", database), key));
        }
    }

    /** Starts agents until there are {@code count}, agent i with 1 + i % 2 slots; waits until all are connected. */
    private void growAgentsTo(int count) throws Exception {
        for (int i = agents.size(); i < count; i++) {
            String name = "agent-" + i;
            var urls = new ArrayList<String>();
            for (int k = 0; k < servers.size(); k++) urls.add(servers.get((i + k) % servers.size()).baseUrl());
            String token = post(servers.getFirst(), "/api/v1/tokens", Map.of("name", name, "role", "agent"), 201).get("token").asText();
            agents.add(AgentChild.start(String.join(",", urls), token, name, slots(i + 1) - slots(i), home.resolve(name)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (connected() < count) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("fewer than " + count + " agents connected after 120 s");
            for (var agent : agents) if (!agent.alive()) throw new IllegalStateException("an agent exited; see agent.log under " + home);
            Thread.sleep(200);
        }
    }

    /** Slots of the first {@code agents} agents (capacities 1, 2, 1, 2, …). */
    private static int slots(int agents) {
        return agents + agents / 2;
    }

    /** Agents connected, over every server (each lists the agents connected elsewhere as offline). */
    private int connected() throws IOException, InterruptedException {
        int n = 0;
        for (var server : servers) {
            var r = bench.http().send(request(server, "/api/v1/workers").build(), HttpResponse.BodyHandlers.ofString());
            for (var state : Bench.JSON.readTree(r.body()).get("workers").findValuesAsText("state")) if (!state.equals("offline")) n++;
        }
        return n;
    }

    /** Submits {@code n} jobs of {@code type} round-robin from 8 clients; the seconds until all finished (all must succeed). */
    private double runJobs(BenchPostgres pg, String database, String type, int n) throws Exception {
        var next = new AtomicInteger();
        long start = System.nanoTime();
        var pool = Executors.newFixedThreadPool(CLIENTS);
        var submitters = new ArrayList<Future<?>>();
        for (int c = 0; c < CLIENTS; c++) {
            submitters.add(pool.submit(() -> {
                for (int k; (k = next.getAndIncrement()) < n; ) post(servers.get(k % servers.size()), "/api/v1/jobs", Map.of("command", "true", "type", type), 201);
                return null;
            }));
        }
        pool.shutdown();
        for (var f : submitters) f.get(); // a refused submit ends the run with its answer
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        long[] counts;
        double secs;
        try (var c = pg.connect(database)) {
            while ((counts = BenchPostgres.activeAndSucceeded(c, type))[0] > 0) {
                if (System.nanoTime() > deadline) throw new IllegalStateException(counts[0] + " " + type + " jobs still unfinished after 10 minutes");
                Thread.sleep(50);
            }
            secs = (System.nanoTime() - start) / 1e9;
        }
        if (counts[1] != n) throw new IllegalStateException("only " + counts[1] + " of " + n + " " + type + " jobs succeeded");
        return secs;
    }

    private long serversCpu() {
        return servers.stream().mapToLong(s -> ProcStat.processCpuNs(s.pid())).sum();
    }

    /** The agents' JVMs and the jobs they ran (reaped children). */
    private long agentsCpu() {
        return agents.stream().mapToLong(a -> ProcStat.processCpuNs(a.pid()) + ProcStat.reapedChildrenCpuNs(a.pid())).sum();
    }

    private static double pct(long ns, double secs) {
        return 100 * ns / 1e9 / secs;
    }

    private static HttpRequest.Builder request(ServerChild server, String path) {
        return Bench.request(server.baseUrl(), server.token(), path);
    }

    private com.fasterxml.jackson.databind.JsonNode post(ServerChild server, String path, Object body, int expect)
            throws IOException, InterruptedException {
        return bench.post(request(server, path), body, expect);
    }

    /** Agents first (they would fail over to a server still up), then servers; each waits for its process to end. */
    private synchronized void stopAll() {
        agents.forEach(AgentChild::terminate); // all at once, then wait for each
        for (var agent : agents) {
            try {
                agent.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        agents.clear();
        for (var server : servers) {
            try {
                server.close();
            } catch (IOException | InterruptedException e) {
                System.err.println("could not stop a server process: " + e);
            }
        }
        servers.clear();
    }
}
