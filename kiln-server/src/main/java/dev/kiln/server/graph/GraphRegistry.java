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
 *
 * <p>Several servers on one database ({@link #sharedThrough}): each version accepted here (file or API) is also
 * published, and a version another server published later is put in force here as a put would be (origin
 * {@link Origin#DATABASE}); the latest accepted anywhere wins. At start, the file's content counts as accepted only if
 * it was never published before (it changed while this server was down); otherwise the newest published version is
 * taken, so a restarted server does not bring back an old file over a newer put.
 */
public final class GraphRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GraphRegistry.class);

    public enum Origin { FILE, API, DATABASE }

    /** A version in force: where it came from and when; {@code acceptedBy} only from the database (which server, how). */
    public record Loaded(Graph graph, Origin origin, Instant loadedAt, String acceptedBy) {
        public Loaded(Graph graph, Origin origin, Instant loadedAt) {
            this(graph, origin, loadedAt, null);
        }
    }

    /** Where the servers of one database publish the versions they accept, and find the newest. */
    public interface Shared {
        /** Stores a version accepted here; returns its place in the order of all published versions. */
        long publish(Graph graph, String yaml, Origin origin);

        /** The newest version published after {@code seq} (0: any), if there is one. */
        Optional<Published> newestAfter(long seq);

        /** Whether this version (content hash) was ever published. */
        boolean published(String version);
    }

    /** A version as published: its place, its YAML, and who accepted it (server and source, for people). */
    public record Published(long seq, String yaml, String acceptedBy) {}

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
    private Shared shared;
    private Duration sharedPoll;
    private long sharedSeq; // guarded by this: the newest published version this server has seen (its own included)
    private boolean settled; // guarded by this: the start's choice between the file and the database is made
    private java.util.concurrent.ScheduledExecutorService follower;

    /** {@code file} may be null: then the graph comes only through the API. */
    public GraphRegistry(GraphFile.JobFields jobFields, Path file, Duration debounce) {
        this.jobFields = jobFields;
        this.file = file == null ? null : file.toAbsolutePath().normalize();
        this.debounce = debounce;
    }

    /** Before {@link #start}: share versions with the other servers of a database, looking for newer ones {@code every}. */
    public GraphRegistry sharedThrough(Shared shared, Duration every) {
        this.shared = shared;
        this.sharedPoll = every;
        return this;
    }

    /**
     * Loads the file (a broken one is recorded, not fatal: it may be fixed while the server runs) and watches it;
     * when shared, settles between the file and the newest published version and follows the published ones.
     */
    public GraphRegistry start() {
        if (file != null && !Files.isRegularFile(file)) throw new IllegalArgumentException("--graph " + file + ": no such file");
        if (file != null) reloadFile();
        if (shared != null) {
            followShared();
            follower = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("kiln-graph-follow"));
            follower.scheduleWithFixedDelay(this::followQuietly, sharedPoll.toMillis(), sharedPoll.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        if (file == null) return this;
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

    /**
     * Puts a new version through the API; a broken one throws {@link GraphFileException} and changes nothing. When
     * shared, it is published first: if the database cannot take it, it is not in force here either.
     */
    public synchronized Loaded put(String yaml) {
        Graph g;
        try {
            g = GraphFile.parse(yaml, jobFields);
        } catch (GraphFileException e) {
            refused(Origin.API, e, "put through the API");
            throw e;
        }
        publish(g, yaml, Origin.API);
        return install(g, Origin.API, null);
    }

    /**
     * One look for a version another server published after the newest one seen here; a newer one is put in force
     * as a put would be, a broken one (this server's rules differ) is refused as a bad file is. At start, before
     * anything was seen, it also settles between this server's file and the database: see the class comment.
     */
    public void followShared() {
        long after;
        synchronized (this) {
            after = sharedSeq;
        }
        var newest = shared.newestAfter(after); // a read, outside the lock: a put here is not held up by it
        synchronized (this) {
            if (!settled) {
                settled = true;
                if (current != null && current.origin() == Origin.FILE && !startedFromFile(newest)) return;
            }
            if (newest.isEmpty() || newest.get().seq() <= sharedSeq) return; // published here meanwhile
            Published p = newest.get();
            sharedSeq = p.seq();
            try {
                Graph g = GraphFile.parse(p.yaml(), jobFields);
                if (current != null && current.graph().version().equals(g.version())) return; // the same content
                install(g, Origin.DATABASE, p.acceptedBy());
            } catch (GraphFileException e) {
                refused(Origin.DATABASE, e, "the database (accepted by " + p.acceptedBy() + ")");
            }
        }
    }

    /**
     * Under the lock, at start with this server's file in force: true when the newest published version should
     * replace it (the file's content was published before, so it is not the latest accepted); else the file's
     * version is published now, as the latest.
     */
    private boolean startedFromFile(Optional<Published> newest) {
        Graph fromFile = current.graph();
        if (newest.isPresent() && shared.published(fromFile.version())) return true;
        try {
            sharedSeq = shared.publish(fromFile, Files.readString(file), Origin.FILE);
        } catch (IOException e) {
            log.warn("build graph from {} could not be read again to share it: {}", file, e.toString());
        }
        return false;
    }

    private void followQuietly() {
        try {
            followShared();
        } catch (RuntimeException e) {
            log.warn("cannot read the shared build graph versions: {}", e.getMessage());
        }
    }

    /** Under the lock: when shared, publishes a version accepted here and remembers its place (not taken back). */
    private void publish(Graph g, String yaml, Origin origin) {
        if (shared != null) sharedSeq = Math.max(sharedSeq, shared.publish(g, yaml, origin));
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
            // at start the first look at the database decides whether this version is new to the others
            if (settled) publishQuietly(g, new String(content, StandardCharsets.UTF_8));
            install(g, Origin.FILE, null);
            return true;
        } catch (GraphFileException e) {
            refused(Origin.FILE, e, file.toString());
            return false;
        }
    }

    /** A file's version is the operator's: in force here even when the database cannot take it now. */
    private void publishQuietly(Graph g, String yaml) {
        try {
            publish(g, yaml, Origin.FILE);
        } catch (RuntimeException e) {
            log.warn("build graph from {} is in force here but could not be shared with the other servers: {}", file,
                    e.getMessage());
        }
    }

    private Loaded install(Graph g, Origin origin, String acceptedBy) {
        current = new Loaded(g, origin, Instant.now(), acceptedBy);
        lastFailure = null;
        log.info("build graph {} in force ({} definitions, from {})", g.shortVersion(), g.definitions().size(),
                switch (origin) {
                    case FILE -> file;
                    case API -> "the API";
                    case DATABASE -> "the database, accepted by " + acceptedBy;
                });
        return current;
    }

    /** A broken file is the operator's to fix (WARN); a broken PUT was answered with its errors already (INFO). */
    private void refused(Origin origin, GraphFileException e, String where) {
        lastFailure = new Failure(origin, Instant.now(), e.errors());
        String stays = current == null ? "no graph is in force" : "version " + current.graph().shortVersion() + " stays in force";
        if (origin != Origin.API) log.warn("build graph from {} refused, {}: {}", where, stays, e.getMessage());
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
        if (follower != null) follower.shutdownNow();
    }
}
