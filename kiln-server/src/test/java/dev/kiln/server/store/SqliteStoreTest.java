package dev.kiln.server.store;

import dev.kiln.server.events.EventBus;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContractTest {
    @TempDir
    Path dir;

    @Override
    protected Store createStore(EventBus bus) {
        return new SqliteStore(dir, bus);
    }
}
