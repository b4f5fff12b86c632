package dev.kiln.app;

import static dev.kiln.app.JobCommands.enc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What follows a job: apply it (plan → deploy), promote it to a release, list releases. */
final class FollowUpCommands {
    private FollowUpCommands() {}

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Apply a succeeded job that declares apply (prints the new job's id).")
    static final class Apply implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = "--agent", defaultValue = "auto", description = "auto, or the agent (id or name) that applies (default: ${DEFAULT-VALUE})") String agent;
        @Option(names = "--force", description = "apply although applied already, or stale") boolean force;
        @Parameters(paramLabel = "JOB_ID") String id;

        @Override
        public Integer call() {
            JsonNode job = client.client().post("/api/v1/jobs/" + enc(id) + "/apply", Map.of("agent", agent, "force", force));
            System.out.println(job.get("id").asText());
            return 0;
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Promote a succeeded job's artifacts to a release (prints name, version and manifest SHA-256).")
    static final class Promote implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = "--name", required = true) String name;
        @Option(names = "--version", description = "default: one more than the highest numbered version of the name") String version;
        @Parameters(paramLabel = "JOB_ID") String id;

        @Override
        public Integer call() {
            var body = new LinkedHashMap<String, Object>();
            body.put("name", name);
            if (version != null) body.put("version", version);
            JsonNode r = client.client().post("/api/v1/jobs/" + enc(id) + "/promote", body);
            System.out.println(r.get("name").asText() + " " + r.get("version").asText() + "  sha256:" + r.get("manifest_sha256").asText());
            return 0;
        }
    }

    @Command(name = "releases", mixinStandardHelpOptions = true, description = "List releases, newest first.")
    static final class Releases implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = "--name", description = "only releases of this name") String name;

        @Override
        public Integer call() {
            String q = "/api/v1/releases" + (name == null ? "" : "?name=" + enc(name));
            for (JsonNode r : client.client().get(q).get("releases")) {
                System.out.printf("%-24s %-10s %s  %d file(s)  job %s  sha256:%s%n", r.get("name").asText(),
                        r.get("version").asText(), r.get("promoted_at").asText().substring(0, 19), r.get("files").size(),
                        r.get("job_id").asText().substring(0, 8), r.get("manifest_sha256").asText());
            }
            return 0;
        }
    }
}
