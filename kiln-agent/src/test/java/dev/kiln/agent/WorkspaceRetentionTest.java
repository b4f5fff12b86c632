package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceRetentionTest {
    @TempDir
    Path dir;

    @Test
    void keepsTheNewestAndEveryWorkspaceInUse() throws Exception {
        Path workspaces = dir.resolve("workspaces");
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        for (int i = 0; i < 30; i++) {
            Path ws = Files.createDirectories(workspaces.resolve("job" + i + "-1"));
            Files.writeString(ws.resolve("out.txt"), "built " + i);
            Files.createDirectories(ws.resolve("deep/er")).resolve("x").toFile().createNewFile();
            Files.setLastModifiedTime(ws, FileTime.from(t0.plusSeconds(i)));
        }
        // job0 is the oldest, but its attempt is still held by the agent
        int deleted = WorkspaceRetention.prune(workspaces, 20, Set.of("job0-1"));

        assertThat(deleted).isEqualTo(9);
        try (Stream<Path> left = Files.list(workspaces)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .hasSize(21)
                    .contains("job0-1", "job10-1", "job29-1")
                    .doesNotContain("job1-1", "job9-1");
        }
    }

    @Test
    void zeroKeepsOnlyWhatIsInUseAndAMissingDirIsFine() throws Exception {
        assertThat(WorkspaceRetention.prune(dir.resolve("none"), 5, Set.of())).isZero();
        Path workspaces = dir.resolve("workspaces");
        Files.createDirectories(workspaces.resolve("a-1"));
        Files.createDirectories(workspaces.resolve("b-1"));
        assertThat(WorkspaceRetention.prune(workspaces, 0, Set.of("b-1"))).isEqualTo(1);
        try (Stream<Path> left = Files.list(workspaces)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("b-1");
        }
    }
}
