package dev.kiln.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.jobs.JobSpecParser;
import org.junit.jupiter.api.Test;

class ViewsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A spec as the API shows it can be submitted again as it is (a plan's job, a copy from the job page). */
    @Test
    void aShownSpecParsesBackToTheSameSpec() throws Exception {
        JobSpec spec = JobSpecParser.parse(JSON.readTree("""
                {"name": "n", "command": "exit 3", "labels": {"arch": "x86_64"}, "env": {"A": "1"},
                 "priority": 5, "timeout_seconds": 60, "artifacts": ["out/*"],
                 "retry": {"limit": 2, "on": [3, 7, "timeout"], "backoff_seconds": 0}}
                """));
        String shown = JSON.writeValueAsString(Views.spec(spec));
        assertThat(JobSpecParser.parse(JSON.readTree(shown))).isEqualTo(spec);
    }
}
