package dev.kiln.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Client commands: submit, status, logs, cancel, stop, rerun, jobs. Each prints plain text; errors are one message. */
final class JobCommands {
    private JobCommands() {}

    static final Set<String> TERMINAL = Set.of("succeeded", "failed", "timed_out", "cancelled", "lost", "stopped");

    @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a job: kiln submit [options] -- <command>")
    static final class Submit implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = "--name") String name;
        @Option(names = "--type", description = "build, test, deploy, …") String type;
        @Option(names = "--repo", description = "git repository to check out") String repo;
        @Option(names = "--branch") String branch;
        @Option(names = "--commit") String commit;
        @Option(names = "--arch", description = "target architecture, e.g. arm64") String arch;
        @Option(names = "--agent", description = "pin to an agent (id or name)") String agent;
        @Option(names = "--label", description = "requirement key=value (repeatable)") Map<String, String> labels;
        @Option(names = "--env", description = "KEY=VALUE (repeatable)") Map<String, String> env;
        @Option(names = "--secret", description = "KEY=VALUE, masked in logs (repeatable)") Map<String, String> secrets;
        @Option(names = "--priority") Integer priority;
        @Option(names = "--timeout", description = "seconds") Long timeout;
        @Option(names = "--retry", description = "retries on failure, timeout or agent loss") Integer retry;
        @Option(names = "--artifact", description = "glob of files to keep (repeatable)") List<String> artifacts;
        @Option(names = "--input", paramLabel = "[PATH=]FILE", description = "a file to upload, placed in the workspace at PATH (default: its name) before the command (repeatable)") List<String> inputs;
        @Option(names = "--apply", paramLabel = "COMMAND", description = "what `kiln apply` runs once this job succeeded (with its artifacts)") String apply;
        @Option(names = "--apply-label", description = "requirement key=value of the agent that applies (repeatable)") Map<String, String> applyLabels;
        @Option(names = {"-f", "--follow"}, description = "print the log as it comes and exit with the job's exit code") boolean follow;
        @Option(names = "--service", description = "a service: runs until `kiln stop`, no timeout") boolean service;
        @Option(names = "--ready-log", description = "service: ready once a line of output matches this regex") String readyLog;
        @Option(names = "--ready-port", description = "service: ready once this port accepts connections on the agent") Integer readyPort;
        @Option(names = "--restart", description = "service: restarts when it ends by itself, at most this many times") Integer restart;
        @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "the shell command (quote it, or put it after --)") List<String> command;

        @Override
        public Integer call() throws Exception {
            var spec = new LinkedHashMap<String, Object>();
            spec.put("command", String.join(" ", command));
            put(spec, "name", name);
            put(spec, "type", type);
            put(spec, "source_repository", repo);
            put(spec, "branch", branch);
            put(spec, "commit_hash", commit);
            put(spec, "target_architecture", arch);
            put(spec, "server_id", agent);
            put(spec, "labels", labels);
            put(spec, "env", env);
            put(spec, "secrets", secrets);
            put(spec, "priority", priority);
            put(spec, "timeout_seconds", timeout);
            put(spec, "artifacts", artifacts);
            if (retry != null) spec.put("retry", Map.of("limit", retry));
            if (service) spec.put("service", true);
            if (readyLog != null) spec.put("ready_when", Map.of("log", readyLog));
            if (readyPort != null) spec.put("ready_when", Map.of("tcp_port", readyPort));
            if (restart != null) spec.put("restart", Map.of("policy", "on_failure", "limit", restart));
            if (apply != null) spec.put("apply", applyLabels == null ? Map.of("command", apply) : Map.of("command", apply, "labels", applyLabels));
            var api = client.client();
            JsonNode job = inputs == null ? api.post("/api/v1/jobs", spec) : api.postMultipart("/api/v1/jobs", spec, inputFiles(inputs));
            String id = job.get("id").asText();
            if (!follow) {
                System.out.println(id);
                return 0;
            }
            System.err.println("job " + id);
            return Logs.follow(api, id, 0, true);
        }

        /** {@code PATH=FILE} or {@code FILE} (placed under its own name) → path in the workspace → local file. */
        static Map<String, java.nio.file.Path> inputFiles(List<String> given) {
            var files = new LinkedHashMap<String, java.nio.file.Path>();
            for (String g : given) {
                int eq = g.indexOf('=');
                java.nio.file.Path file = java.nio.file.Path.of(eq > 0 ? g.substring(eq + 1) : g);
                if (!java.nio.file.Files.isRegularFile(file)) throw new ApiClient.CliError("--input " + g + ": no such file " + file);
                files.put(eq > 0 ? g.substring(0, eq) : file.getFileName().toString(), file);
            }
            return files;
        }

        private static void put(Map<String, Object> m, String k, Object v) {
            if (v != null) m.put(k, v);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a job's status.")
    static final class Status implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Parameters(paramLabel = "JOB_ID") String id;

        @Override
        public Integer call() {
            JsonNode s = client.client().get("/api/v1/jobs/" + enc(id) + "/status");
            System.out.println(s.get("status").asText() + "  attempt " + s.path("attempt").asInt()
                    + (s.path("agent_name").isTextual() ? "  on " + s.get("agent_name").asText() : "")
                    + (s.path("exit_code").isNumber() ? "  exit " + s.get("exit_code").asInt() : "")
                    + (s.path("duration_seconds").isNumber() ? "  " + s.get("duration_seconds").asDouble() + " s" : ""));
            if (s.path("error_message").isTextual()) System.out.println("error: " + s.get("error_message").asText());
            JsonNode q = s.path("queue_info");
            if (q.isObject()) {
                System.out.println("queued: position " + q.get("position").asInt() + " of " + q.get("total_queued").asInt()
                        + " — " + q.path("waiting_reason").path("message").asText()
                        + (q.path("estimate_text").isTextual() ? " (" + q.get("estimate_text").asText() + ")" : ""));
            }
            return 0;
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a job's log.")
    static final class Logs implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = {"-f", "--follow"}, description = "keep printing until the job ends") boolean follow;
        @Option(names = "--attempt", description = "attempt number (default: the latest)") int attempt;
        @Parameters(paramLabel = "JOB_ID") String id;

        @Override
        public Integer call() throws Exception {
            return follow(client.client(), id, attempt, follow);
        }

        /** Pages through the log; with {@code follow}, until the job ends. Returns the job's exit code (or 1). */
        static int follow(ApiClient api, String id, int attempt, boolean follow) throws InterruptedException {
            long after = 0;
            while (true) {
                JsonNode page = api.get("/api/v1/jobs/" + enc(id) + "/logs?limit=10000&after=" + after
                        + (attempt > 0 ? "&attempt=" + attempt : ""));
                for (JsonNode l : page.get("lines")) {
                    String text = l.get("text").asText();
                    if (l.get("stream").asText().equals("STDERR")) System.err.println(text);
                    else System.out.println(text);
                }
                after = page.get("next_after").asLong();
                if (!page.get("lines").isEmpty()) continue;
                JsonNode s = api.get("/api/v1/jobs/" + enc(id) + "/status");
                String status = s.get("status").asText();
                if (!follow || (TERMINAL.contains(status) && page.path("complete").asBoolean(true))) {
                    if (!follow) return 0;
                    System.err.println("job " + status + (s.path("error_message").isTextual() ? ": " + s.get("error_message").asText() : ""));
                    return status.equals("succeeded") ? 0 : s.path("exit_code").isNumber() && s.get("exit_code").asInt() != 0
                            ? s.get("exit_code").asInt() : 1;
                }
                Thread.sleep(200);
            }
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a queued or running job.")
    static final class Cancel implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Parameters(paramLabel = "JOB_ID") String id;

        @Override
        public Integer call() {
            JsonNode job = client.client().post("/api/v1/jobs/" + enc(id) + "/cancel", null);
            System.out.println(job.get("status").asText());
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a service (SIGTERM, grace, SIGKILL).")
    static final class Stop implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Parameters(paramLabel = "JOB_ID") String id;

        @Override
        public Integer call() {
            JsonNode job = client.client().post("/api/v1/jobs/" + enc(id) + "/stop", null);
            System.out.println(job.get("status").asText());
            return 0;
        }
    }

    @Command(name = "rerun", mixinStandardHelpOptions = true, description = "Run a finished job again (prints the new id).")
    static final class Rerun implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Parameters(paramLabel = "JOB_ID") String id;

        @Override
        public Integer call() {
            System.out.println(client.client().post("/api/v1/jobs/" + enc(id) + "/rerun", null).get("id").asText());
            return 0;
        }
    }

    @Command(name = "jobs", mixinStandardHelpOptions = true, description = "List recent jobs, newest first.")
    static final class Jobs implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = "--status", description = "e.g. queued,running") String status;
        @Option(names = "--type") String type;
        @Option(names = "--limit", defaultValue = "20") int limit;

        @Override
        public Integer call() {
            var q = new StringBuilder("/api/v1/jobs?limit=" + limit);
            if (status != null) q.append("&status=").append(enc(status));
            if (type != null) q.append("&type=").append(enc(type));
            for (JsonNode j : client.client().get(q.toString()).get("jobs")) {
                System.out.printf("%s  %-10s %-8s %-24s %s%n", j.get("short_id").asText(), j.get("status").asText(),
                        j.get("type").asText(), j.get("created_at").asText().substring(0, 19), j.get("name").asText());
            }
            return 0;
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
