package dev.kiln.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.Migrate;
import dev.kiln.server.Restore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Operating a server: {@code kiln prune}, {@code kiln backup}, {@code kiln restore}, {@code kiln migrate}. */
final class OpsCommands {
    private OpsCommands() {}

    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = "Run the retention pass now (admin): delete what is past the server's --retain-* and --max-data-size.")
    static final class Prune implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = "--dry-run", description = "Only say what would be deleted.") boolean dryRun;

        @Override
        public Integer call() {
            JsonNode r = client.client().post("/api/v1/admin/prune?dry_run=" + dryRun, null);
            spec.commandLine().getOut().printf("%s %d job(s), the log of %d job(s), %d artifact(s) (%d file(s)); data %s -> %s%s%n",
                    dryRun ? "would delete" : "deleted", r.get("jobs").asInt(), r.get("logs").asInt(),
                    r.get("artifacts").asInt(), r.get("files").asInt(), mib(r.get("bytes_before").asLong()),
                    mib(r.get("bytes_after").asLong()), dryRun ? " (estimated)" : "");
            for (JsonNode id : r.get("job_ids")) spec.commandLine().getOut().println("  " + id.asText());
            return 0;
        }

        private static String mib(long bytes) {
            return String.format("%.1f MiB", bytes / 1048576.0);
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Write a consistent backup of a running server (admin) to FILE: database, artifacts and keys.")
    static final class Backup implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ClientOptions client = new ClientOptions();
        @Parameters(paramLabel = "FILE", description = "The zip to write; it holds secrets.key: keep it as safe as the server.") Path file;

        @Override
        public Integer call() {
            long size = client.client().download("POST", "/api/v1/admin/backup", file);
            spec.commandLine().getOut().printf("wrote %s (%.1f MiB)%n", file, size / 1048576.0);
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Unpack a backup into a new, empty data dir and check it (database integrity, artifact hashes).")
    static final class RestoreCommand implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "FILE", description = "A zip written by kiln backup.") Path file;
        @Option(names = "--data-dir", required = true, description = "The data dir to create; it must not exist or be empty.") Path dataDir;

        @Override
        public Integer call() throws Exception {
            try {
                var result = Restore.run(file, dataDir);
                spec.commandLine().getOut().printf("restored %d job(s) and %d artifact(s) into %s; start it with: kiln server --data-dir %s%n",
                        result.jobs(), result.artifacts(), dataDir, dataDir);
                return 0;
            } catch (IllegalStateException e) {
                spec.commandLine().getErr().println("kiln: " + e.getMessage());
                return 1;
            }
        }

    }

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Copy a stopped SQLite server's database into a new, empty PostgreSQL database and check the row counts.")
    static final class MigrateCommand implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--from", required = true, description = "sqlite:DATA_DIR, e.g. sqlite:./kiln-data (stop that server first).") String from;
        @Option(names = "--to", required = true, description = "postgresql://user:pass@host:5432/kiln, a new, empty database.") String to;

        @Override
        public Integer call() throws Exception {
            if (!from.startsWith("sqlite:") || from.length() == "sqlite:".length()) {
                spec.commandLine().getErr().println("kiln: --from must be sqlite:DATA_DIR, e.g. sqlite:./kiln-data");
                return 2;
            }
            Path dataDir = Path.of(from.substring("sqlite:".length()));
            try {
                var result = Migrate.sqliteToPostgres(dataDir, to);
                var out = spec.commandLine().getOut();
                result.rows().forEach((table, n) -> out.printf("%-14s %d row(s), counts match%n", table, n));
                out.printf("migrated; start the server with: kiln server --data-dir %s --database '%s'%n", dataDir, to);
                return 0;
            } catch (IllegalArgumentException | IllegalStateException | java.sql.SQLException e) {
                spec.commandLine().getErr().println("kiln: " + e.getMessage());
                return 1;
            }
        }
    }
}
