package dev.kiln.server.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.core.Job;
import dev.kiln.server.jobs.JobSpecParser;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActivityTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** Newest phase first (started beats queued, by its own time), equal times by job id, one label each. */
    @Test
    void itemsAreTheNewestFirstThenByJobId() throws Exception {
        var spec = JobSpecParser.parse(new ObjectMapper().readTree("{\"command\": \"true\", \"name\": \"web\"}"));
        Job queuedEarly = Job.newlySubmitted("job-a", spec, null, T0);
        Job queuedLateB = Job.newlySubmitted("job-c", spec, null, T0.plusSeconds(5));
        Job queuedLateA = Job.newlySubmitted("job-b", spec, null, T0.plusSeconds(5));
        Job startedLast = Job.newlySubmitted("job-d", spec, null, T0).assigned("agent-1", T0.plusSeconds(1))
                .started(T0.plusSeconds(9));

        var items = Activity.items(List.of(queuedEarly, queuedLateB, startedLast, queuedLateA));

        assertThat(items).extracting(Activity.Item::jobId).containsExactly("job-d", "job-b", "job-c", "job-a");
        assertThat(items.get(0).since()).isEqualTo(T0.plusSeconds(9));
        assertThat(items.get(0).label()).isEqualTo("Building (web)");
        assertThat(items.get(3).label()).isEqualTo("Build queued…");
    }
}
