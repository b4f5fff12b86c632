package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kiln migrate} says plainly what is wrong with its arguments (the copy itself: kiln-server's MigrateIT). */
class MigrateCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String err) {}

    static Run migrate(String... args) {
        var err = new StringWriter();
        var cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "migrate";
        System.arraycopy(args, 0, all, 1, args.length);
        return new Run(cli.execute(all), err.toString());
    }

    @Test
    void theSourceMustBeASqliteDataDir() {
        Run notSqlite = migrate("--from", "./kiln-data", "--to", "postgresql://kiln@localhost/kiln");
        assertThat(notSqlite.code()).isEqualTo(2);
        assertThat(notSqlite.err()).contains("--from must be sqlite:DATA_DIR");

        Run noDatabase = migrate("--from", "sqlite:" + dir.resolve("empty"), "--to", "postgresql://kiln@localhost/kiln");
        assertThat(noDatabase.code()).isEqualTo(1);
        assertThat(noDatabase.err()).contains("no Kiln database in").doesNotContain("Exception");
    }
}
