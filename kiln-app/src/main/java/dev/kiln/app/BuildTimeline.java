package dev.kiln.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of a build's timeline per event, as {@code kiln build --follow} prints it: the time (local, to the
 * millisecond), then what happened in words — build status changes, jobs scheduled/started/finished with their job
 * ids (the short ids every job command takes), partition status changes and delegations.
 */
final class BuildTimeline {
    private BuildTimeline() {}

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    /** How many partitions a line names before it says "and N more". */
    static final int NAMED = 3;

    /** The event's line, or null for a partition's {@code scheduled} or {@code building}: the plan and job lines say those. */
    static String line(JsonNode event) {
        String kind = event.path("kind").asText();
        JsonNode data = event.path("data");
        if (kind.equals("partition.status") && FOLDED.contains(data.path("status").asText())) return null;
        return time(event.path("timestamp").asText()) + "  " + what(kind, data);
    }

    /**
     * Partition statuses the timeline leaves out: every partition of a plan is scheduled at once (the "planned" line),
     * and building when its job starts (the "started" line, which names them) — thousands of lines saying nothing new.
     */
    static final java.util.Set<String> FOLDED = java.util.Set.of("scheduled", "building");

    static String what(String kind, JsonNode d) {
        return switch (kind) {
            case "build.received" -> "build received";
            case "build.planning" -> "planning";
            case "build.planned" -> "planned: " + d.path("jobs").asInt() + " job(s), " + d.path("skipped").asInt() + " skipped, "
                    + d.path("delegated").asInt() + " delegated";
            case "build.executing" -> "executing";
            case "build.completed" -> "build completed";
            case "build.failed" -> "build failed: " + d.path("reason").asText("no reason given");
            case "build.cancelled" -> "build cancelled" + reason(d);
            case "build.job_scheduled" -> "job " + key(d) + " queued" + job(d) + " → " + refs(d.path("partitions"));
            case "build.job_started" -> "job " + key(d) + " started" + job(d);
            case "build.job_finished" -> "job " + key(d) + " " + d.path("status").asText("finished") + job(d);
            case "build.job_skipped" -> "job " + key(d) + " skipped" + reason(d);
            // written in both timelines: the waiting build's names the maker (to_build), the maker's the waiting one
            // (a historical one whose maker is not known any more names neither)
            case "build.delegated" -> d.path("from_build").isTextual()
                    ? "build " + d.get("from_build").asText() + " waits on " + d.path("ref").asText() + " (" + d.path("kind").asText() + ")"
                    : d.path("ref").asText() + " delegated to " + maker(d.path("to_build")) + " (" + d.path("kind").asText() + ")";
            case "partition.status" -> d.path("ref").asText() + " " + d.path("status").asText() + job(d);
            default -> kind + " " + d;
        };
    }

    /** "build ID", or what to say when the build that made a partition is not known (null or absent). */
    static String maker(JsonNode buildId) {
        return buildId.isTextual() ? "build " + buildId.asText() : "an earlier build";
    }

    private static String key(JsonNode d) {
        return d.path("key").asText("?");
    }

    private static String job(JsonNode d) {
        JsonNode id = d.path("job_id");
        return id.isTextual() ? " (job " + shortId(id.asText()) + ")" : "";
    }

    private static String reason(JsonNode d) {
        return d.path("reason").isTextual() ? ": " + d.get("reason").asText() : "";
    }

    static String refs(JsonNode refs) {
        var names = new ArrayList<String>();
        refs.forEach(r -> names.add(r.asText()));
        return named(names);
    }

    static String named(List<String> refs) {
        if (refs.size() <= NAMED) return String.join(", ", refs);
        return String.join(", ", refs.subList(0, NAMED)) + " and " + (refs.size() - NAMED) + " more";
    }

    /** A job's first 8 characters, as {@code kiln jobs} shows it; every job command takes it. */
    static String shortId(String id) {
        return id.length() > 8 ? id.substring(0, 8) : id;
    }

    private static String time(String rfc3339) {
        try {
            return TIME.format(Instant.parse(rfc3339));
        } catch (DateTimeParseException e) {
            return rfc3339;
        }
    }
}
