package dev.kiln.server.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The writer's prepared statements: JDBI's parse and binding of :name parameters, one statement reused. */
class SqliteStoreWriterSqlTest {
    private Handle handle;
    private WriterSql sql;

    @BeforeEach
    void open() {
        handle = Jdbi.create("jdbc:sqlite::memory:").open();
        handle.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, b INTEGER, c BLOB)");
        sql = new WriterSql(handle, SqlDialect.SQLITE);
    }

    @AfterEach
    void close() {
        sql.close();
        handle.close();
    }

    private static Map<String, Object> params(Object... namesAndValues) {
        var m = new HashMap<String, Object>();
        for (int i = 0; i < namesAndValues.length; i += 2) m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        return m;
    }

    @Test
    void bindsByNameWhateverTheOrderRepeatsAndNulls() {
        String insert = "INSERT INTO t (a, b, c) VALUES (:a, :b, :c)";
        long first = sql.insertGeneratingKey(insert, params("c", new byte[] {1, 2}, "b", 7L, "a", "x"));
        long second = sql.insertGeneratingKey(insert, params("a", null, "b", 8, "c", null));
        assertThat(first).isEqualTo(1);
        assertThat(second).isEqualTo(2);
        // the same name twice, and a ':' inside a string literal that is not a parameter
        int n = sql.update("UPDATE t SET a = :v || ':not_a_param' WHERE a = :v OR (:v IS NULL AND a IS NULL)", params("v", "x"));
        assertThat(n).isEqualTo(1);
        assertThat(handle.createQuery("SELECT a FROM t WHERE id = :id").bind("id", first).mapTo(String.class).one())
                .isEqualTo("x:not_a_param");
        assertThat(handle.createQuery("SELECT c FROM t WHERE id = :id").bind("id", first).mapTo(byte[].class).one())
                .containsExactly(1, 2);
        assertThat(handle.createQuery("SELECT count(*) FROM t WHERE a IS NULL AND c IS NULL").mapTo(Integer.class).one()).isEqualTo(1);
    }

    @Test
    void aMissingParameterIsAnErrorNamingIt() {
        assertThatThrownBy(() -> sql.update("UPDATE t SET a = :a WHERE id = :id", params("a", "x")))
                .hasMessageContaining(":id");
    }

    @Test
    void aFailingStatementCanRunAgain() {
        String insert = "INSERT INTO t (id, a) VALUES (:id, :a)";
        sql.update(insert, params("id", 1, "a", "one"));
        assertThatThrownBy(() -> sql.update(insert, params("id", 1, "a", "again"))).hasMessageContaining("UNIQUE");
        assertThat(sql.update(insert, params("id", 2, "a", "two"))).isEqualTo(1);
    }

    @Test
    void assignedKeysFollowTheSequenceAndARollbackGivesThemBack() {
        String insert = "INSERT INTO t (a) VALUES (:a)";
        handle.execute("INSERT INTO t (a) VALUES ('before')"); // drawn by SQLite itself: the writer starts after it
        handle.execute("DELETE FROM t"); // AUTOINCREMENT never reuses it
        assertThat(sql.insertAssigningKey("t", "id", insert, params("a", "x"))).isEqualTo(2);
        assertThat(sql.insertAssigningKey("t", "id", insert, params("a", "y"))).isEqualTo(3);
        sql.execute("BEGIN");
        assertThat(sql.insertAssigningKey("t", "id", insert, params("a", "gone"))).isEqualTo(4);
        sql.execute("ROLLBACK");
        sql.forgetKeys();
        assertThat(sql.insertAssigningKey("t", "id", insert, params("a", "z"))).isEqualTo(4);
        // SQLite's own next key agrees: the sequence followed the assigned ones
        handle.execute("INSERT INTO t (a) VALUES ('after')");
        assertThat(handle.createQuery("SELECT id FROM t WHERE a = 'after'").mapTo(Long.class).one()).isEqualTo(5);
        assertThat(handle.createQuery("SELECT a FROM t ORDER BY id").mapTo(String.class).list()).containsExactly("x", "y", "z", "after");
    }

    @Test
    void theKeyColumnGoesFirstInTheInsert() {
        assertThat(WriterSql.withKeyColumn("events", "id", "INSERT INTO events (job_id, kind) VALUES (:job, :kind)"))
                .isEqualTo("INSERT INTO events (id, job_id, kind) VALUES (:assigned_key, :job, :kind)");
        assertThatThrownBy(() -> WriterSql.withKeyColumn("events", "id", "INSERT INTO jobs (a) VALUES (:a)"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
