package dev.kiln.server.graph;

import dev.kiln.server.core.DaemonThreads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The build graph in force. Loaded from a file (watched: a change is reloaded after {@code debounce} of quiet) or
 * put through the API. A broken version is refused with its errors (kept as the last failure, logged with line and
 * column) and the previous one stays in force.
 *
 * <p>The rule between the two sources: the latest wins. A graph put through the API stays in force until the
 * file's content changes again (a touch without a change does nothing); then the file's version replaces it.
 */
public final class GraphRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GraphRegistry.class);

    public enum Origin { FILE, API }

    /** A version in force: where it came from and when. */
    public record Loaded(Graph graph, Origin origin, Instant loadedAt) {}

    /** The last version refused, cleared by the next successful load. */
    public record Failure(Origin origin, Instant at, List<GraphError> errors) {}

    private final GraphFile.JobFields jobFields;
    private final Path file;
    private final Duration debounce;
    private volatile Loaded current;
    private volatile Failure lastFailure;
    private byte[] lastFileDigest; // guarded by this: what the file held when last read
    private WatchService watchService;
    private Thread watcher;

    /** {@code file} may be null: then the graph comes only through the API. */
    public GraphRegistry(GraphFile.JobFields jobFields, Path file, Duration debounce) {
        this.jobFields = jobFields;
        this.file = file == null ? null : file.toAbsolutePath().normalize();
        this.debounce = debounce;
    }

    /** Loads the file (a broken one is recorded, not fatal: it may be fixed while the server runs) and watches it. */
    public GraphRegistry start() {
        if (file == null) return this;
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("--graph " + file + ": no such file");
        reloadFile();
        try {
            watchService = FileSystems.getDefault().newWatchService();
            // the directory, not the file: editors replace a file by renaming a new one over it
            file.getParent().register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.OVERFLOW);
        } catch (IOException e) {
            throw new IllegalStateException("cannot watch " + file + " for changes: " + e.getMessage(), e);
        }
        watcher = DaemonThreads.named("kiln-graph-watch").newThread(this::watch);
        watcher.start();
        return this;
    }

    public Optional<Loaded> current() {
        return Optional.ofNullable(current);
    }

    public Optional<Failure> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** Puts a new version through the API; a broken one throws {@link GraphFileException} and changes nothing. */
    public synchronized Loaded put(String yaml) {
        try {
            return install(GraphFile.parse(yaml, jobFields), Origin.API);
        } catch (GraphFileException e) {
            refused(Origin.API, e, "put through the API");
            throw e;
        }
    }

    /** Reads the file again if its content changed; true when a new version came into force. */
    public synchronized boolean reloadFile() {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return false; // between an editor's delete and its rename; the create event follows
        } catch (IOException e) {
            refused(Origin.FILE, new GraphFileException(List.of(new GraphError("", 0, 0, "cannot read " + file + ": " + e.getMessage()))), file.toString());
            return false;
        }
        byte[] digest = GraphFile.sha256(content);
        if (Arrays.equals(digest, lastFileDigest)) return false;
        lastFileDigest = digest;
        try {
            Graph g = GraphFile.parse(new String(content, StandardCharsets.UTF_8), jobFields);
            if (current != null && current.graph().version().equals(g.version()) && current.origin() == Origin.FILE) {
                lastFailure = null;
                return false;
            }
            install(g, Origin.FILE);
            return true;
        } catch (GraphFileException e) {
            refused(Origin.FILE, e, file.toString());
            return false;
        }
    }

    private Loaded install(Graph g, Origin origin) {
        current = new Loaded(g, origin, Instant.now());
        lastFailure = null;
        log.info("build graph {} in force ({} definitions, from {})", g.shortVersion(), g.definitions().size(),
                origin == Origin.FILE ? file : "the API");
        return current;
    }

    /** A broken file is the operator's to fix (WARN); a broken PUT was answered with its errors already (INFO). */
    private void refused(Origin origin, GraphFileException e, String where) {
        lastFailure = new Failure(origin, Instant.now(), e.errors());
        String stays = current == null ? "no graph is in force" : "version " + current.graph().shortVersion() + " stays in force";
        if (origin == Origin.FILE) log.warn("build graph from {} refused, {}: {}", where, stays, e.getMessage());
        else log.info("build graph {} refused, {}: {}", where, stays, e.getMessage());
    }

    private void watch() {
        try {
            while (true) {
                WatchKey key = watchService.take();
                boolean ours = concernsFile(key);
                // debounce: an editor's save is several events; reload once things are quiet
                while (true) {
                    WatchKey more = watchService.poll(debounce.toMillis(), TimeUnit.MILLISECONDS);
                    if (more == null) break;
                    ours |= concernsFile(more);
                }
                if (ours) reloadFile();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("watching {} stopped", file, e);
        }
    }

    private boolean concernsFile(WatchKey key) {
        boolean ours = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            ours |= event.kind() == StandardWatchEventKinds.OVERFLOW
                    || file.getFileName().equals(event.context());
        }
        key.reset();
        return ours;
    }

    @Override
    public void close() {
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException e) {
                log.debug("closing the graph file watch: {}", e.toString());
            }
        }
        if (watcher != null) watcher.interrupt();
    }
}
