package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceJanitorTest {
    @TempDir
    Path dir;

    Set<String> left(Path workspaces) throws Exception {
        try (Stream<Path> s = Files.list(workspaces)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void prunesOffTheCallersThreadKeepingTheNewestAndThoseInUse() throws Exception {
        Path workspaces = JobPaths.workspacesDir(dir);
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 5; i++) {
            Path ws = Files.createDirectories(workspaces.resolve(JobPaths.attemptName("job" + i, 1)));
            Files.setLastModifiedTime(ws, FileTime.from(t0.plusSeconds(i)));
        }
        var askedOn = new AtomicReference<Thread>();
        try (var janitor = new WorkspaceJanitor(workspaces, 1, () -> {
            askedOn.set(Thread.currentThread());
            return Set.of("job0-1");
        })) {
            janitor.pruneSoon();
            await().atMost(Duration.ofSeconds(30)).until(() -> left(workspaces).size() == 2);
        }
        assertThat(left(workspaces)).containsExactlyInAnyOrder("job0-1", "job4-1");
        assertThat(askedOn.get()).isNotSameAs(Thread.currentThread());
        assertThat(askedOn.get().getName()).isEqualTo("kiln-agent-janitor");
    }

    @Test
    void afterTheFirstListingKeepsTheWorkspacesOfTheAttemptsThatEndedLast() throws Exception {
        Path workspaces = JobPaths.workspacesDir(dir);
        Files.createDirectories(workspaces.resolve("left-by-an-earlier-life-1"));
        try (var janitor = new WorkspaceJanitor(workspaces, 2, Set::of)) {
            for (int i = 0; i < 4; i++) {
                Path ws = Files.createDirectories(workspaces.resolve(JobPaths.attemptName("job" + i, 1)));
                Files.writeString(Files.createDirectories(ws.resolve("deep")).resolve("out.txt"), "built " + i);
                // modification times say the opposite of the order the attempts end in: the end order decides
                Files.setLastModifiedTime(ws, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").minusSeconds(i)));
                janitor.ended(ws.getFileName().toString());
                await().atMost(Duration.ofSeconds(30)).until(() -> left(workspaces).size() <= 2);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> left(workspaces).equals(Set.of("job2-1", "job3-1")));
            // an attempt run again (same name) counts as the newest again
            Files.createDirectories(workspaces.resolve("job4-1"));
            janitor.ended("job2-1");
            janitor.ended("job4-1");
            await().atMost(Duration.ofSeconds(30)).until(() -> left(workspaces).equals(Set.of("job2-1", "job4-1")));
        }
    }

    @Test
    void aClosedJanitorIgnoresRequests() {
        var janitor = new WorkspaceJanitor(dir, 0, Set::of);
        janitor.close();
        janitor.pruneSoon(); // no exception: the agent is stopping
    }
}
