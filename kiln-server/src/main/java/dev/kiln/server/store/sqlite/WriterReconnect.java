package dev.kiln.server.store.sqlite;

import dev.kiln.server.store.StoreUnavailableException;
import java.time.Duration;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;

/**
 * How the writer gets a new connection when the database dropped its own (a PostgreSQL restart or failover): how to
 * open one, how long to wait between tries (doubling from {@code firstPause} up to {@code maxPause}), and what the
 * writes that could not be committed meanwhile are told. SQLite needs none: its file does not go away under it.
 */
public record WriterReconnect(String database, Supplier<Handle> opener, Duration firstPause, Duration maxPause) {
    public WriterReconnect(String database, Supplier<Handle> opener) {
        this(database, opener, Duration.ofMillis(100), Duration.ofSeconds(5));
    }

    Handle open() {
        return opener.get();
    }

    /** The failure of writes that were in the batch when the connection was lost: none of them was committed. */
    StoreUnavailableException lost(Throwable cause) {
        return new StoreUnavailableException("the connection to " + database
                + " was lost, so this write was not committed; the server is reconnecting, try again", cause);
    }

    /** The failure of writes submitted while the database cannot be reached. */
    StoreUnavailableException unreachable(Throwable cause) {
        return new StoreUnavailableException(database + " cannot be reached (the server keeps reconnecting), so this write was not committed: "
                + cause.getMessage(), cause);
    }

    /** Waits before try {@code attempt + 1}; false if interrupted (the writer is closing). */
    boolean pause(int attempt) {
        long millis = Math.min(maxPause.toMillis(), firstPause.toMillis() << Math.min(attempt, 16));
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
