package dev.kiln.agent;

import dev.kiln.protocol.JobAssignment;
import java.util.Map;

/**
 * How a job's command is started: by bash, in the workspace, in a session and process group of its own (setsid), so
 * the stop sequence can find and signal everything it starts. The environment carries the job's variables, its
 * secrets, and the {@code KILN_*} variables; {@code KILN_AGENT_ID} and {@code KILN_JOB_ID} are also the marker by
 * which {@link ProcessTree} finds children that left the group.
 */
final class ProcessLauncher {
    private ProcessLauncher() {}

    /** {@code command}: the job's own, or the repository's build definition when the job has none. */
    static ProcessBuilder builder(JobAssignment job, String command, String agentId, JobPaths paths) {
        var pb = new ProcessBuilder("setsid", "bash", "-c", command).directory(paths.workspace().toFile());
        Map<String, String> env = pb.environment();
        env.putAll(job.env());
        env.putAll(job.secrets());
        env.put("KILN_JOB_ID", job.jobId());
        env.put("KILN_ATTEMPT", Integer.toString(job.attempt()));
        env.put("KILN_WORKSPACE", paths.workspace().toString());
        env.put("KILN_OUTPUT", paths.outputFile().toString());
        env.put("KILN_EVENTS", paths.eventsFile().toString());
        env.put("KILN_AGENT_ID", agentId);
        return pb;
    }

    static ProcessTree.Marker marker(JobAssignment job, String agentId) {
        return new ProcessTree.Marker(agentId, job.jobId());
    }

    /** The command's first line, cut at 200 characters, for the "starting:" log line. */
    static String summary(String command) {
        var lines = command.strip().lines().toList();
        String first = lines.isEmpty() ? "" : lines.get(0);
        return (first.length() > 200 ? first.substring(0, 200) + "…" : first) + (lines.size() > 1 ? " …" : "");
    }
}
