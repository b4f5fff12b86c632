package dev.kiln.app;

import static dev.kiln.app.BuildTimeline.shortId;
import static dev.kiln.app.JobCommands.enc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Client commands of the build graph: {@code kiln build} (request partitions, optionally following the build's
 * timeline), {@code kiln builds}, {@code kiln build-status}, {@code kiln build-cancel} and {@code kiln partitions}.
 * Plain text; a failure is one message (exit 2), a build that fails or is cancelled exits 1.
 */
final class BuildCommands {
    private BuildCommands() {}

    static final Set<String> ENDED = Set.of("completed", "failed", "cancelled");
    static final Set<String> PLANNING = Set.of("received", "planning");
    /** Between two looks at a running build: often enough to read as live, rarely enough to cost the server nothing. */
    static final long POLL_MS = 250;
    static final int DELEGATIONS_SHOWN = 10;

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Request partitions: Kiln plans and runs the jobs that make them available. Prints the build id and its plan.")
    static final class Build implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = "--force", description = "build the requested partitions even if they are available") boolean force;
        @Option(names = {"-f", "--follow"}, description = "print the build's timeline as it happens; exit 0 when it completes, 1 when it fails or is cancelled")
        boolean follow;
        @Parameters(arity = "1..*", paramLabel = "PARTITION", description = "partition refs, e.g. reports/daily/date=2026-W45-1") List<String> partitions;

        @Override
        public Integer call() throws InterruptedException {
            var api = client.client();
            String id = api.post("/api/v1/builds", Map.of("partitions", partitions, "force", force)).get("id").asText();
            System.out.println(id); // alone on the first line, for scripts: ID=$(kiln build … | head -1)
            if (follow) return follow(api, id);
            JsonNode b = api.get(path(id));
            while (PLANNING.contains(b.get("status").asText())) {
                Thread.sleep(POLL_MS);
                b = api.get(path(id));
            }
            System.out.println(summary(b));
            printDelegations(b);
            return ended(b);
        }

        /** The requested partitions another build made or makes (of the first 1,000 the detail holds). */
        private static void printDelegations(JsonNode b) {
            var delegated = new java.util.ArrayList<String>();
            for (JsonNode p : b.get("partitions")) {
                JsonNode d = p.path("delegation");
                if (d.isObject()) delegated.add(p.get("ref").asText() + " delegated to " + BuildTimeline.maker(d.path("build_id"))
                        + " (" + d.get("kind").asText() + ")");
            }
            delegated.stream().limit(DELEGATIONS_SHOWN).forEach(l -> System.out.println("  " + l));
            if (delegated.size() > DELEGATIONS_SHOWN) System.out.println("  and " + (delegated.size() - DELEGATIONS_SHOWN) + " more delegated");
        }

        /** Prints every event of the build, oldest first, until it has ended and no event is left; its exit code. */
        static int follow(ApiClient api, String id) throws InterruptedException {
            long after = 0;
            boolean ended = false;
            while (true) {
                JsonNode page;
                do {
                    page = api.get(path(id) + "/events?limit=500&after=" + after);
                    for (JsonNode e : page.get("items")) {
                        String line = BuildTimeline.line(e);
                        if (line != null) System.out.println(line);
                        after = e.get("id").asLong();
                    }
                } while (!page.path("next_cursor").isNull() && !page.path("next_cursor").isMissingNode());
                if (ended) break;
                ended = ENDED.contains(api.get(path(id)).get("status").asText());
                if (!ended) Thread.sleep(POLL_MS);
            }
            JsonNode b = api.get(path(id));
            System.out.println(summary(b));
            return ended(b);
        }

        /** 0 when the build completed (or still runs); 1, with the reason on stderr, when it failed or was cancelled. */
        private static int ended(JsonNode b) {
            String status = b.get("status").asText();
            if (!status.equals("failed") && !status.equals("cancelled")) return 0;
            System.err.println("build " + status + (b.path("reason").isTextual() ? ": " + b.get("reason").asText() : ""));
            return 1;
        }
    }

    @Command(name = "builds", mixinStandardHelpOptions = true, description = "List build requests, newest first.")
    static final class Builds implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = "--status", description = "received, planning, executing, completed, failed or cancelled") String status;
        @Option(names = "--partition", description = "only builds that requested this partition ref") String partition;
        @Option(names = "--limit", defaultValue = "20") int limit;
        @Option(names = "--cursor", description = "go on from where the previous page ended") String cursor;

        @Override
        public Integer call() {
            JsonNode page = client.client().get("/api/v1/builds?limit=" + limit + param("status", status)
                    + param("partition", partition) + param("cursor", cursor));
            printItems(page, b -> String.format("%s  %-10s %s  %6d partition(s)  jobs %d/%d%s", b.get("id").asText(),
                    b.get("status").asText(), b.get("created_at").asText().substring(0, 19), b.get("requested_count").asInt(),
                    b.get("jobs_done").asInt(), b.get("jobs_total").asInt(),
                    b.path("duration_ms").isNumber() ? "  " + seconds(b.get("duration_ms").asLong()) : ""),
                    "no builds" + (status != null || partition != null ? " match" : " yet"));
            moreHint(page, "kiln builds --limit " + limit + opt("status", status) + opt("partition", partition));
            return 0;
        }
    }

    @Command(name = "build-status", mixinStandardHelpOptions = true,
            description = "Show a build: its status, requested partitions, jobs, and the builds waiting on it.")
    static final class BuildStatus implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Parameters(paramLabel = "BUILD_ID") String id;

        @Override
        public Integer call() {
            JsonNode b = client.client().get(path(id));
            System.out.println(summary(b));
            if (b.path("reason").isTextual()) System.out.println("reason: " + b.get("reason").asText());
            System.out.println("partitions:");
            for (JsonNode p : b.get("partitions")) {
                JsonNode d = p.path("delegation");
                System.out.printf("  %-10s %s%s%s%n", p.get("status").asText(), p.get("ref").asText(),
                        p.path("job_id").isTextual() ? "  job " + shortId(p.get("job_id").asText()) : "",
                        d.isObject() ? "  → " + BuildTimeline.maker(d.path("build_id")) + " (" + d.get("kind").asText() + ")" : "");
            }
            if (b.path("partitions_truncated").asBoolean()) {
                System.out.println("  … the first " + b.get("partitions").size() + " of " + b.get("requested_count").asInt()
                        + "; all of them: GET /api/v1/builds/" + b.get("id").asText() + "/partitions");
            }
            System.out.println("jobs:");
            for (JsonNode j : b.get("jobs")) {
                String deps = j.get("depends_on").isEmpty() ? "" : "  after " + BuildTimeline.refs(j.get("depends_on"));
                System.out.printf("  %-10s %s%s  %s%s%n", j.get("status").asText(), j.get("key").asText(),
                        j.path("job_id").isTextual() ? " (job " + shortId(j.get("job_id").asText()) + ")" : "",
                        BuildTimeline.refs(j.get("partitions")), deps);
            }
            for (JsonNode w : b.path("waited_on_by")) {
                System.out.println("build " + w.get("build_id").asText() + " waits on it for " + w.get("ref").asText());
            }
            return 0;
        }
    }

    @Command(name = "build-cancel", mixinStandardHelpOptions = true,
            description = "Cancel a build: its jobs stop unless another build still waits on them.")
    static final class Cancel implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Parameters(paramLabel = "BUILD_ID") String id;

        @Override
        public Integer call() {
            System.out.println(client.client().post(path(id) + "/cancel", null).get("status").asText());
            return 0;
        }
    }

    @Command(name = "partitions", mixinStandardHelpOptions = true,
            description = "List partitions with their latest status across builds, and counts by status.")
    static final class Partitions implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = "--prefix", description = "only refs starting with this, e.g. reports/daily/") String prefix;
        @Option(names = "--status", description = "scheduled, building, available or failed") String status;
        @Option(names = "--limit", defaultValue = "50") int limit;
        @Option(names = "--cursor", description = "go on from where the previous page ended") String cursor;

        @Override
        public Integer call() {
            JsonNode page = client.client().get("/api/v1/partitions?limit=" + limit + param("prefix", prefix)
                    + param("status", status) + param("cursor", cursor));
            printItems(page, p -> String.format("%-10s %s  %s%s", p.get("status").asText(), p.get("ref").asText(),
                    p.get("updated_at").asText().substring(0, 19), p.path("job_id").isTextual() ? "  job " + shortId(p.get("job_id").asText()) : ""),
                    "no partitions" + (prefix != null || status != null ? " match" : " built yet"));
            var counts = new StringJoiner(", ", prefix == null ? "all: " : prefix + "*: ", "");
            page.path("counts").properties().forEach(c -> counts.add(c.getValue().asLong() + " " + c.getKey()));
            System.out.println(counts + (page.path("counts_capped").asBoolean() ? " (counting stopped at the cap)" : ""));
            moreHint(page, "kiln partitions --limit " + limit + opt("prefix", prefix) + opt("status", status));
            return 0;
        }
    }

    static String path(String buildId) {
        return "/api/v1/builds/" + enc(buildId);
    }

    /** One line: id, status, jobs done, partition counts, duration, graph version. */
    static String summary(JsonNode b) {
        var counts = new StringJoiner(", ");
        b.path("counts").properties().forEach(c -> {
            if (c.getValue().asLong() > 0) counts.add(c.getValue().asLong() + " " + c.getKey());
        });
        String version = b.path("graph_version").asText("");
        return "build " + b.get("id").asText() + " " + b.get("status").asText() + ": " + b.get("requested_count").asInt()
                + " partition(s) requested, jobs " + b.get("jobs_done").asInt() + "/" + b.get("jobs_total").asInt() + " done"
                + (counts.length() > 0 ? "; partitions " + counts : "")
                + (b.path("duration_ms").isNumber() ? "; " + seconds(b.get("duration_ms").asLong()) : "")
                + (version.length() >= 12 ? " (graph " + version.substring(0, 12) + ")" : "");
    }

    private static String seconds(long ms) {
        return String.format("%.1f s", ms / 1000.0);
    }

    private static String param(String name, String value) {
        return value == null ? "" : "&" + name + "=" + enc(value);
    }

    private static String opt(String name, String value) {
        return value == null ? "" : " --" + name + " " + value;
    }

    /** A line per item of the page, or {@code none} when it has none. */
    private static void printItems(JsonNode page, java.util.function.Function<JsonNode, String> line, String none) {
        page.get("items").forEach(item -> System.out.println(line.apply(item)));
        if (page.get("items").isEmpty()) System.out.println(none);
    }

    /** When the page is not the last: the command that shows the next one. */
    private static void moreHint(JsonNode page, String command) {
        JsonNode next = page.path("next_cursor");
        if (next.isTextual()) System.out.println("more: " + command + " --cursor " + next.asText());
    }
}
