package dev.kiln.server;

import dev.kiln.server.core.KilnMetrics;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.Store;
import dev.kiln.server.store.postgres.PostgresStore;
import dev.kiln.server.store.postgres.PostgresUrl;
import dev.kiln.server.store.sqlite.SqliteStore;

/** The store {@link ServerConfig#database} names: SQLite in the data dir when none is given, else PostgreSQL. */
final class StoreFactory {
    private StoreFactory() {}

    static Store open(ServerConfig config, EventBus bus, KilnMetrics metrics) {
        // secrets are sealed at rest with a key of the data dir (made on the first start, 0600), whatever the database
        var cipher = SecretCipher.inDataDir(config.dataDir());
        String database = config.database();
        if (database == null || database.isBlank()) return new SqliteStore(config.dataDir(), bus, cipher, metrics);
        return PostgresStore.open(PostgresUrl.parse(database), bus, cipher, metrics);
    }
}
