package dev.kiln.agent;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a job that names a repository but no command runs: the repository's own build definition, looked up in the
 * checkout. First {@value #SCRIPT} (an executable script), else the {@code command} of the {@code build} job in
 * {@value #GRAPH} at the repository root (the build graph's file). Neither is a start failure that says what to add.
 */
final class BuildDefinition {
    static final String SCRIPT = ".kiln/build";
    static final String GRAPH = "kiln.yaml";
    static final String JOB = "build";
    /** A kiln.yaml larger than this is not read: a build graph is text a person writes. */
    static final long MAX_GRAPH_BYTES = 1024 * 1024;
    private static final ObjectMapper YAML = new YAMLMapper();

    private BuildDefinition() {}

    /**
     * The command to run in {@code workspace}, a checkout of {@code where} ("repository@commit", for messages). Says in
     * the job's log which definition it took.
     */
    static String command(Path workspace, String where, JobLog log) throws StartFailure {
        Path script = workspace.resolve(SCRIPT);
        if (Files.isRegularFile(script)) {
            if (!Files.isExecutable(script)) {
                throw new StartFailure(SCRIPT + " in " + where + " is not executable: mark it with "
                        + "`git update-index --chmod=+x " + SCRIPT + "` and commit");
            }
            log.system("build definition: " + SCRIPT);
            return "./" + SCRIPT;
        }
        Path graph = workspace.resolve(GRAPH);
        String why = "";
        if (Files.isRegularFile(graph)) {
            String command = buildJobCommand(graph, where);
            if (command != null) {
                log.system("build definition: the `" + JOB + "` job of " + GRAPH + ": " + ProcessLauncher.summary(command));
                return command;
            }
            why = " (" + GRAPH + " has no `" + JOB + "` job)";
        }
        throw new StartFailure("no build definition in " + where + ": add " + SCRIPT + " or a " + GRAPH
                + " with a `" + JOB + "` job" + why);
    }

    /** The {@code jobs.build.command} of the graph file; null when it has no build job; a start failure if malformed. */
    private static String buildJobCommand(Path graph, String where) throws StartFailure {
        JsonNode root;
        try {
            if (Files.size(graph) > MAX_GRAPH_BYTES) {
                throw new StartFailure(GRAPH + " in " + where + " is larger than " + MAX_GRAPH_BYTES + " bytes");
            }
            root = YAML.readTree(graph.toFile());
        } catch (JacksonException e) {
            throw new StartFailure(GRAPH + " in " + where + " is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw new StartFailure("cannot read " + GRAPH + " in " + where + ": " + e.getMessage());
        }
        JsonNode job = root == null ? null : root.path("jobs").get(JOB);
        if (job == null || job.isNull() || job.isMissingNode()) return null;
        JsonNode command = job.get("command");
        if (command == null || !command.isTextual() || command.textValue().isBlank()) {
            throw new StartFailure("the `" + JOB + "` job of " + GRAPH + " in " + where
                    + " needs a `command`: the shell script to run, e.g. `command: make -j4`");
        }
        return command.textValue();
    }
}
