package dev.kiln.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.Json;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Unacked log chunks of one attempt, in order. The newest stay in memory up to {@value #MEMORY_BYTES} bytes; older
 * ones overflow to a spool file on disk (one JSON line each) so a long disconnection costs disk, not heap. The file
 * is deleted once everything in it is acked.
 */
final class ChunkSpool {
    static final long MEMORY_BYTES = 8L * 1024 * 1024;

    private record Entry(long seq, long bytes, AgentMessage.Log inMemory, long offset, int length) {}

    private final Path file;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private RandomAccessFile spool;
    private long memoryBytes;
    private long totalBytes;

    ChunkSpool(Path file) {
        this.file = file;
    }

    void add(AgentMessage.Log chunk, long bytes) {
        entries.addLast(new Entry(chunk.seq(), bytes, chunk, -1, 0));
        memoryBytes += bytes;
        totalBytes += bytes;
        // Move the oldest in-memory chunks to disk until memory is within bounds (the newest stay hot).
        if (memoryBytes > MEMORY_BYTES) spillOldest();
    }

    private void spillOldest() {
        var kept = new ArrayDeque<Entry>(entries.size());
        for (Entry e : entries) {
            if (memoryBytes > MEMORY_BYTES && e.inMemory() != null) {
                kept.addLast(writeToDisk(e));
                memoryBytes -= e.bytes();
            } else {
                kept.addLast(e);
            }
        }
        entries.clear();
        entries.addAll(kept);
    }

    private Entry writeToDisk(Entry e) {
        try {
            if (spool == null) {
                Files.createDirectories(file.getParent());
                spool = new RandomAccessFile(file.toFile(), "rw");
                spool.setLength(0);
            }
            byte[] json = Json.MAPPER.writeValueAsBytes(e.inMemory());
            long offset = spool.length();
            spool.seek(offset);
            spool.write(json);
            return new Entry(e.seq(), e.bytes(), null, offset, json.length);
        } catch (IOException ex) {
            // Disk trouble: keep it in memory rather than lose it.
            return e;
        }
    }

    /** Drops every chunk up to and including {@code seq}; returns the bytes released. */
    long ackUpTo(long seq) {
        long released = 0;
        while (!entries.isEmpty() && entries.peekFirst().seq() <= seq) {
            Entry e = entries.removeFirst();
            released += e.bytes();
            if (e.inMemory() != null) memoryBytes -= e.bytes();
        }
        totalBytes -= released;
        if (spool != null && entries.stream().noneMatch(e -> e.inMemory() == null)) closeSpool();
        return released;
    }

    List<AgentMessage.Log> all() {
        var out = new ArrayList<AgentMessage.Log>(entries.size());
        for (Entry e : entries) out.add(e.inMemory() != null ? e.inMemory() : read(e));
        return out;
    }

    private AgentMessage.Log read(Entry e) {
        try {
            byte[] buf = new byte[e.length()];
            spool.seek(e.offset());
            spool.readFully(buf);
            return Json.MAPPER.readValue(new String(buf, StandardCharsets.UTF_8), AgentMessage.Log.class);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("corrupt spool " + file, ex);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read spool " + file, ex);
        }
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    long firstSeq() {
        return entries.isEmpty() ? -1 : entries.peekFirst().seq();
    }

    long totalBytes() {
        return totalBytes;
    }

    boolean spilled() {
        return spool != null;
    }

    void close() {
        closeSpool();
    }

    private void closeSpool() {
        if (spool == null) return; // never spilled (the common case): this spool made no file
        try {
            spool.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a leftover spool file is harmless: it is rewritten from the start next time
        }
        spool = null;
    }
}
