package dev.kiln.server.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.StoreUnavailableException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database URL a user gives, and what a user reads when it cannot be used. */
class PostgresUrlTest {
    @TempDir
    Path dir;

    @Test
    void aLibpqUrlBecomesAJdbcUrlWithItsUserAndPassword() {
        var url = PostgresUrl.parse("postgresql://kiln:s3cret@db.example:6543/builds?sslmode=require");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/builds?sslmode=require");
        assertThat(url.user()).isEqualTo("kiln");
        assertThat(url.password()).isEqualTo("s3cret");
        assertThat(url.properties()).containsEntry("user", "kiln").containsEntry("password", "s3cret");
        assertThat(url.toString()).doesNotContain("s3cret").contains("db.example:6543/builds", "kiln");
    }

    @Test
    void defaultsAndOtherSpellings() {
        assertThat(PostgresUrl.parse("postgres://db/kiln").jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/kiln");
        assertThat(PostgresUrl.parse("jdbc:postgresql://db:5433/kiln").port()).isEqualTo(5433);
        var noUser = PostgresUrl.parse("postgresql://db/kiln");
        assertThat(noUser.user()).isNull();
        assertThat(noUser.properties()).isEmpty();
    }

    @Test
    void aPercentEncodedPasswordIsDecodedAndPlusStaysPlus() {
        var url = PostgresUrl.parse("postgresql://kiln:p%40ss%3Aw%2Fd+1@db/kiln");
        assertThat(url.user()).isEqualTo("kiln");
        assertThat(url.password()).isEqualTo("p@ss:w/d+1");
    }

    @Test
    void aBadUrlSaysWhatItMustLookLike() {
        for (String bad : new String[] {"mysql://db/kiln", "postgresql://db", "postgresql://db/", "postgresql:///kiln",
                "postgresql://db/a/b", "kiln.db", "postgresql://user:pa ss@db/kiln"}) {
            assertThatThrownBy(() -> PostgresUrl.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("--database (or KILN_DATABASE) must look like postgresql://user:password@host:5432/database: ");
        }
    }

    @Test
    void anUnreachableDatabaseIsAClearErrorNamingIt() throws IOException {
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        var url = PostgresUrl.parse("postgresql://kiln:hunter2@127.0.0.1:" + closedPort + "/kiln");
        assertThatThrownBy(() -> PostgresStore.open(url, new EventBus(), SecretCipher.inDataDir(dir)))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("cannot use the PostgreSQL database 127.0.0.1:" + closedPort + "/kiln as user kiln")
                .hasMessageContaining("refused")
                .hasMessageContaining("Check --database (or KILN_DATABASE)")
                .message().doesNotContain("hunter2");
    }
}
