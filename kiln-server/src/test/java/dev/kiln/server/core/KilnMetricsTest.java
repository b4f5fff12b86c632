package dev.kiln.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KilnMetricsTest {
    @Test
    void utf8LengthIsTheEncodedLength() {
        for (String s : new String[] {"", "plain ascii", "é", "naïve café", "日本語", "emoji 🎉 and 𝄞", "\u0000", "lone \uD800 surrogate"}) {
            assertThat(KilnMetrics.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void jobTypesPastTheCapCountAsOther() {
        var registry = new SimpleMeterRegistry();
        var metrics = new KilnMetrics(registry);
        for (int i = 0; i < KilnMetrics.MAX_TYPES + 10; i++) metrics.jobSubmitted("type-" + i);
        metrics.jobSubmitted("type-0");
        assertThat(registry.find("kiln.jobs.submitted").counters()).hasSize(KilnMetrics.MAX_TYPES + 1);
        assertThat(registry.get("kiln.jobs.submitted").tag("type", "other").counter().count()).isEqualTo(10);
        assertThat(registry.get("kiln.jobs.submitted").tag("type", "type-0").counter().count()).isEqualTo(2);
    }

    @Test
    void aFinishedJobCountsByTypeAndStatusAndRecordsItsRunTimeWhenItRan() {
        var registry = new SimpleMeterRegistry();
        var metrics = new KilnMetrics(registry);
        metrics.jobFinished("build", JobStatus.SUCCEEDED, Duration.ofSeconds(3));
        metrics.jobFinished("build", JobStatus.CANCELLED, null);
        assertThat(registry.get("kiln.jobs.finished").tags("type", "build", "status", "succeeded").counter().count()).isEqualTo(1);
        assertThat(registry.get("kiln.jobs.finished").tags("type", "build", "status", "cancelled").counter().count()).isEqualTo(1);
        assertThat(registry.get("kiln.jobs.duration").tags("status", "succeeded").timer().totalTime(java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(3);
        assertThat(registry.find("kiln.jobs.duration").tags("status", "cancelled").timer()).isNull();
    }
}
