package dev.kiln.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln graph}: the build graph in force (version, definitions, edges, the last refused version's errors);
 * with {@code --analyze REF…}, the plan that would make those partitions available, without running it.
 */
@Command(name = "graph", mixinStandardHelpOptions = true,
        description = "Show the build graph, or with --analyze the plan for some partitions (nothing is run).")
final class GraphCommand implements Callable<Integer> {
    @Mixin ClientOptions client = new ClientOptions();

    @Option(names = "--analyze", arity = "1..*", paramLabel = "REF", description = "partition refs to plan, e.g. reports/daily/date=2026-11-01")
    List<String> analyze;

    @Option(names = "--force", description = "with --analyze: plan the requested partitions even if they are available")
    boolean force;

    @Override
    public Integer call() {
        var api = client.client();
        if (analyze == null) {
            show(api.get("/api/v1/graph"));
        } else {
            plan(api.post("/api/v1/graph/analyze", Map.of("partitions", analyze, "force", force)));
        }
        return 0;
    }

    private static void show(JsonNode g) {
        if (g.get("version").isNull()) {
            System.out.println(g.path("detail").asText("no build graph is loaded"));
        } else {
            System.out.println("graph " + g.get("version_short").asText() + " from " + (g.get("source").asText().equals("file")
                    ? g.get("file").asText() : "the API") + ", loaded " + g.get("loaded_at").asText());
            for (JsonNode d : g.get("definitions")) {
                System.out.printf("  %-20s %s%s%n", d.get("name").asText(), String.join(" ", text(d.get("outputs"))),
                        d.get("batch").asInt() > 1 ? "  (batch " + d.get("batch").asInt() + ")" : "");
                for (JsonNode in : d.get("inputs")) System.out.printf("  %-20s   needs %s%n", "", in.asText());
            }
            for (JsonNode e : g.get("edges")) System.out.println("  " + e.get("from").asText() + " → " + e.get("to").asText() + "  (" + e.get("input").asText() + ")");
        }
        JsonNode error = g.get("last_error");
        if (error != null && !error.isNull()) {
            System.out.println("last refused version (" + error.get("source").asText() + ", " + error.get("at").asText() + "):");
            for (JsonNode e : error.get("errors")) {
                System.out.println("  line " + e.get("line").asInt() + ", column " + e.get("column").asInt() + ": "
                        + e.get("field").asText() + " " + e.get("message").asText());
            }
        }
    }

    private static void plan(JsonNode p) {
        JsonNode s = p.get("summary");
        System.out.println("plan of graph " + p.get("graph_version").asText().substring(0, 12) + ": " + s.get("jobs").asInt()
                + " jobs, " + s.get("partitions_to_build").asInt() + " partitions to build, " + s.get("skipped").asInt()
                + " skipped, " + s.get("delegated").asInt() + " delegated");
        for (JsonNode j : p.get("jobs")) {
            String deps = j.get("depends_on").isEmpty() ? "" : "  after " + String.join(", ", text(j.get("depends_on")));
            System.out.println("  " + j.get("key").asText() + deps + (j.get("needs_config_step").asBoolean() ? "  (needs its config step)" : ""));
            System.out.println("      $ " + j.at("/job/command").asText());
        }
        for (JsonNode sk : p.get("skipped")) System.out.println("  skip " + sk.get("ref").asText() + ": " + sk.get("reason").asText());
        for (JsonNode d : p.get("delegated")) System.out.println("  delegated " + d.get("ref").asText() + " to build " + d.get("build_id").asText());
        if (p.has("note")) System.out.println("(" + p.get("note").asText() + ")");
    }

    private static List<String> text(JsonNode array) {
        var out = new java.util.ArrayList<String>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
