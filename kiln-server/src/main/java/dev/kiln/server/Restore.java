package dev.kiln.server;

import dev.kiln.server.artifacts.ArtifactFiles;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.ops.Backups;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code kiln restore}: a backup unpacked into an empty data dir, then checked — SQLite's integrity check, and every
 * artifact row against its file's SHA-256. A restore that does not check out is an error saying what is wrong.
 */
public final class Restore {
    private Restore() {}

    /** What was restored. */
    public record Result(int jobs, int artifacts) {}

    public static Result run(Path backup, Path dataDir) throws IOException {
        if (!Files.isRegularFile(backup)) throw new IllegalArgumentException("no backup file " + backup);
        try (InputStream in = Files.newInputStream(backup)) {
            Backups.unpack(in, dataDir);
        }
        try (var store = new SqliteStore(dataDir, new EventBus())) {
            String integrity = store.integrityCheck();
            if (!integrity.equals("ok")) throw new IllegalStateException("the restored database is damaged: " + integrity);
            var files = new ArtifactFiles(dataDir.resolve("artifacts"));
            var check = Backups.verifyArtifacts(store, files::path);
            if (!check.problems().isEmpty()) {
                throw new IllegalStateException("the restored artifacts do not match: " + String.join("; ", check.problems()));
            }
            return new Result(check.jobs(), check.artifacts());
        }
    }
}
