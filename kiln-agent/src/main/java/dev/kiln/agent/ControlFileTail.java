package dev.kiln.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.JobAssignment;
import dev.kiln.protocol.Json;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Forwards, while the job runs, what it appends to its control files: {@code key=value} lines of {@code $KILN_OUTPUT}
 * as outputs, JSON objects with a string {@code kind} of {@code $KILN_EVENTS} as events. Malformed lines are not
 * forwarded; the job's log says why.
 */
final class ControlFileTail {
    static final long POLL_MS = 100;

    private final JobAssignment job;
    private final Consumer<AgentMessage> out;
    private final JobLog log;
    private final LineTail outputs;
    private final LineTail events;
    private ScheduledFuture<?> polling;

    ControlFileTail(JobAssignment job, JobPaths paths, Consumer<AgentMessage> out, JobLog log) {
        this.job = job;
        this.out = out;
        this.log = log;
        this.outputs = new LineTail(paths.outputFile(), this::output);
        this.events = new LineTail(paths.eventsFile(), this::event);
    }

    /** Polls every {@value #POLL_MS} ms on {@code timer}: the files are read live, not only at the end. */
    synchronized void start(ScheduledExecutorService timer) {
        polling = timer.scheduleWithFixedDelay(() -> poll(false), POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
    }

    /** Stops polling and forwards the rest, an unfinished last line included: the job has ended. */
    void finish() {
        synchronized (this) {
            if (polling != null) polling.cancel(false);
        }
        poll(true);
    }

    void poll(boolean last) {
        outputs.poll(last);
        events.poll(last);
    }

    private void output(String line) {
        int eq = line.indexOf('=');
        if (eq <= 0) {
            log.system("warning: ignored malformed line in KILN_OUTPUT (want key=value): " + abbreviate(line));
            return;
        }
        out.accept(new AgentMessage.JobOutput(job.jobId(), job.attempt(), log.mask(line.substring(0, eq).strip()),
                log.mask(line.substring(eq + 1))));
    }

    private void event(String line) {
        try {
            JsonNode node = Json.MAPPER.readTree(line);
            if (node == null || !node.isObject() || !node.path("kind").isTextual() || node.get("kind").asText().isBlank()) {
                log.system("warning: ignored line in KILN_EVENTS without a string \"kind\": " + abbreviate(line));
                return;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> data = Json.MAPPER.convertValue(node, Map.class);
            out.accept(new AgentMessage.JobEvent(job.jobId(), job.attempt(), log.mask(node.get("kind").asText()),
                    log.masker().maskJsonObject(data), Timestamps.nowNs()));
        } catch (IOException | IllegalArgumentException e) {
            log.system("warning: ignored malformed line in KILN_EVENTS (not JSON): " + abbreviate(line));
        }
    }

    /** Masked before it is shortened: a secret cut at the end would no longer be recognised. */
    private String abbreviate(String line) {
        String s = log.mask(line);
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
