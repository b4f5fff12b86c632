package dev.kiln.server.store.sqlite;

import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.Store;
import dev.kiln.server.store.StoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store against the shared contract, from outside the contract's package as any store module would. */
class SqliteStoreContractTest extends StoreContractTest {
    @TempDir
    Path dir;

    @Override
    protected Store createStore(EventBus bus) {
        return new SqliteStore(dir, bus);
    }

    @Override
    public Store openBackup(Path backupDir, EventBus bus) {
        return new SqliteStore(backupDir, bus, SecretCipher.inDataDir(dir));
    }
}
