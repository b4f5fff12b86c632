package dev.kiln.server.store.sqlite;

/**
 * What differs between the databases this package's SQL store runs on; every other statement of the store is
 * common to both. {@code lastInsertedKey} reads the key the connection's last INSERT generated (the writer runs it
 * right after the INSERT, on the same connection); {@code textLike} is the case-insensitive LIKE of the jobs list's
 * text filter (SQLite's LIKE ignores ASCII case already); {@code clearSecrets} tells an operator how to drop sealed
 * secrets whose key is lost. {@code batchLock}, when not null, is the first statement of every group commit: on
 * PostgreSQL a transaction-scoped advisory lock, so that the servers sharing the database commit one batch at a time
 * and event ids (from an identity column) are handed out in commit order (see {@code GroupCommitWriter#commit}).
 */
public record SqlDialect(String name, String lastInsertedKey, String textLike, String clearSecrets, String batchLock) {
    public SqlDialect(String name, String lastInsertedKey, String textLike, String clearSecrets) {
        this(name, lastInsertedKey, textLike, clearSecrets, null);
    }

    public static final SqlDialect SQLITE = new SqlDialect("SQLite", "SELECT last_insert_rowid()", "LIKE",
            "sqlite3 kiln.db \"UPDATE jobs SET secrets = NULL\"");
}
