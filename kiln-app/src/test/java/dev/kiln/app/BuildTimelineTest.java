package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The lines {@code kiln build --follow} prints for the build events of the contract. */
class BuildTimelineTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode data(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void jobsNameTheirKeyAndShortJobId() throws Exception {
        String job = "\"key\": \"daily_report#1\", \"job_id\": \"5f0c3a9e-2b71-4d8e-a6c4-93e1f07b2d58\"";
        assertThat(BuildTimeline.what("build.job_scheduled", data("{" + job + ", \"partitions\": [\"a/1\", \"a/2\", \"a/3\", \"a/4\", \"a/5\"]}")))
                .isEqualTo("job daily_report#1 queued (job 5f0c3a9e) → a/1, a/2, a/3 and 2 more");
        assertThat(BuildTimeline.what("build.job_started", data("{" + job + "}"))).isEqualTo("job daily_report#1 started (job 5f0c3a9e)");
        assertThat(BuildTimeline.what("build.job_finished", data("{" + job + ", \"status\": \"failed\"}")))
                .isEqualTo("job daily_report#1 failed (job 5f0c3a9e)");
        assertThat(BuildTimeline.what("build.job_skipped", data("{\"key\": \"weekly#1\", \"reason\": \"input a/1 failed\"}")))
                .isEqualTo("job weekly#1 skipped: input a/1 failed");
    }

    @Test
    void buildAndPartitionChangesReadAsWords() throws Exception {
        assertThat(BuildTimeline.what("build.planned", data("{\"jobs\": 16, \"skipped\": 1, \"delegated\": 2}")))
                .isEqualTo("planned: 16 job(s), 1 skipped, 2 delegated");
        assertThat(BuildTimeline.what("build.failed", data("{\"reason\": \"input raw/1 failed\"}"))).isEqualTo("build failed: input raw/1 failed");
        assertThat(BuildTimeline.what("build.delegated", data("{\"ref\": \"a/1\", \"to_build\": \"b-1\", \"kind\": \"active\"}")))
                .isEqualTo("a/1 delegated to build b-1 (active)");
        assertThat(BuildTimeline.what("build.delegated", data("{\"ref\": \"a/1\", \"from_build\": \"b-2\", \"kind\": \"active\"}")))
                .isEqualTo("build b-2 waits on a/1 (active)");
        assertThat(BuildTimeline.what("build.delegated", data("{\"ref\": \"a/1\", \"kind\": \"historical\"}")))
                .as("the maker is not known any more").isEqualTo("a/1 delegated to an earlier build (historical)");
        assertThat(BuildTimeline.what("partition.status", data("{\"ref\": \"a/1\", \"status\": \"available\", \"job_id\": \"5f0c3a9e-2b71\"}")))
                .isEqualTo("a/1 available (job 5f0c3a9e)");
        assertThat(BuildTimeline.what("build.something_new", data("{\"x\": 1}"))).isEqualTo("build.something_new {\"x\":1}");
    }

    @Test
    void theLineStartsWithTheTimeToTheMillisecond() throws Exception {
        String line = BuildTimeline.line(data("{\"kind\": \"build.executing\", \"timestamp\": \"2026-11-23T16:40:01.123456Z\", \"data\": {}}"));
        assertThat(line).matches("\\d{2}:\\d{2}:01\\.123  executing");
        assertThat(BuildTimeline.line(data("{\"kind\": \"partition.status\", \"timestamp\": \"2026-11-23T16:40:01Z\", "
                + "\"data\": {\"ref\": \"a/1\", \"status\": \"building\"}}"))).as("the job's started line says it").isNull();
    }
}
