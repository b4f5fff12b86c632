package dev.kiln.server;

import dev.kiln.server.core.KilnMetrics;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.Lease;
import dev.kiln.server.store.Store;
import dev.kiln.server.store.postgres.PostgresLease;
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
        if (config.retention() != null && config.retention().maxDataBytes() > 0) {
            // PostgreSQL's files do not shrink when rows go (VACUUM makes the space reusable): a size limit would
            // delete every finished job and still not be met
            throw new IllegalArgumentException("--max-data-size works with the SQLite store only; with PostgreSQL use "
                    + "--retain-jobs / --retain-logs / --retain-artifacts");
        }
        return PostgresStore.open(PostgresUrl.parse(database), bus, cipher, metrics);
    }

    /** Who runs the cluster-wide timers: this server alone on SQLite; one of the servers sharing a PostgreSQL. */
    static Lease lease(ServerConfig config) {
        String database = config.database();
        return database == null || database.isBlank() ? Lease.ALWAYS : PostgresLease.start(PostgresUrl.parse(database));
    }
}
