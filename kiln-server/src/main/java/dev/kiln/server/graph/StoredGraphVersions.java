package dev.kiln.server.graph;

import dev.kiln.server.store.GraphVersion;
import dev.kiln.server.store.Store;
import java.time.Instant;
import java.util.Optional;

/** The build graph versions the servers of one database publish, kept in its {@code graph_versions} table. */
public final class StoredGraphVersions implements GraphRegistry.Shared {
    private final Store store;
    private final String server;

    /** {@code server}: how this server is named in what it publishes (people read it on the others). */
    public StoredGraphVersions(Store store, String server) {
        this.store = store;
        this.server = server;
    }

    @Override
    public long publish(Graph graph, String yaml, GraphRegistry.Origin origin) {
        var version = new GraphVersion(0, graph.version(), yaml, origin.name().toLowerCase(), server, Instant.now());
        return store.write(tx -> tx.insertGraphVersion(version)).join().seq();
    }

    @Override
    public Optional<GraphRegistry.Published> newestAfter(long seq) {
        return store.newestGraphVersion(seq)
                .map(v -> new GraphRegistry.Published(v.seq(), v.yaml(), v.server() + " (" + v.source() + ")"));
    }

    @Override
    public boolean published(String version) {
        return store.graphVersionStored(version);
    }
}
