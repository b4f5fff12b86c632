package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
    void prunesKeepingTheNewestAndThoseInUse() throws Exception {
        Path workspaces = JobPaths.workspacesDir(dir);
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 5; i++) {
            Path ws = Files.createDirectories(workspaces.resolve(JobPaths.attemptName("job" + i, 1)));
            Files.setLastModifiedTime(ws, FileTime.from(t0.plusSeconds(i)));
        }
        try (var janitor = new WorkspaceJanitor(workspaces, 1, () -> Set.of("job0-1"))) {
            janitor.prune();
        }
        assertThat(left(workspaces)).containsExactlyInAnyOrder("job0-1", "job4-1");
    }

    @Test
    void aRequestWhileAnotherThreadPrunesIsLeftToItAndNotLost() throws Exception {
        Path workspaces = JobPaths.workspacesDir(dir);
        for (String name : List.of("old-1", "old-2", "job0-1")) Files.createDirectories(workspaces.resolve(name));
        var pruning = new CountDownLatch(1);
        var goOn = new CountDownLatch(1);
        var asks = new AtomicInteger();
        try (var janitor = new WorkspaceJanitor(workspaces, 1, () -> {
            if (asks.incrementAndGet() == 1) { // the first pruning waits here, as over a big tree
                pruning.countDown();
                try {
                    goOn.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return Set.of();
        })) {
            var first = Thread.ofPlatform().start(() -> janitor.ended("job0-1"));
            assertThat(pruning.await(30, TimeUnit.SECONDS)).isTrue();
            for (String name : List.of("job1-1", "job2-1")) {
                Files.createDirectories(workspaces.resolve(name));
                janitor.ended(name); // returns at once: the first thread prunes
            }
            assertThat(asks.get()).isEqualTo(1);
            goOn.countDown();
            first.join(Duration.ofSeconds(30));
            assertThat(first.isAlive()).isFalse();
        }
        // the first thread went on with the requests that came meanwhile: only the newest is kept
        assertThat(left(workspaces)).containsExactly("job2-1");
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
    void aClosedJanitorIgnoresRequests() throws Exception {
        Path ws = Files.createDirectories(JobPaths.workspacesDir(dir).resolve("job0-1"));
        var janitor = new WorkspaceJanitor(JobPaths.workspacesDir(dir), 0, Set::of);
        janitor.close();
        janitor.ended("job0-1"); // no exception, and nothing deleted: the agent is stopping
        assertThat(ws).isDirectory();
    }
}
