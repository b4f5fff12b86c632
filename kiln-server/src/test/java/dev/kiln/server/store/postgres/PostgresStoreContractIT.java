package dev.kiln.server.store.postgres;

import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.Store;
import dev.kiln.server.store.StoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The PostgreSQL store against the shared contract, on a real PostgreSQL: a new database for each test. */
class PostgresStoreContractIT extends StoreContractTest {
    @TempDir
    Path dir;
    private String database;

    @Override
    protected Store createStore(EventBus bus) {
        if (database == null) database = TestPostgres.newDatabase();
        return PostgresStore.open(PostgresUrl.parse(database), bus, SecretCipher.inDataDir(dir));
    }
}
