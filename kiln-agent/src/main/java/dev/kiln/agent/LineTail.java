package dev.kiln.agent;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Follows a file another process appends to and hands on each complete, non-blank line once. A line still being
 * written waits for its end; only the last poll takes it without one. The file may not exist yet.
 */
final class LineTail {
    private static final int MAX_READ_BYTES = 4 * 1024 * 1024;

    private final Path file;
    private final Consumer<String> sink;
    private long position;
    private final StringBuilder partial = new StringBuilder();

    LineTail(Path file, Consumer<String> sink) {
        this.file = file;
        this.sink = sink;
    }

    /** Reads what was appended since the last poll; {@code last}: the writer is done, take an unfinished line too. */
    synchronized void poll(boolean last) {
        if (!Files.exists(file)) return; // the common case: the job writes no such file
        try (var f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            if (length > position) {
                byte[] bytes = new byte[(int) Math.min(length - position, MAX_READ_BYTES)];
                f.seek(position);
                f.readFully(bytes);
                position += bytes.length;
                partial.append(new String(bytes, StandardCharsets.UTF_8));
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    String line = partial.substring(0, nl);
                    partial.delete(0, nl + 1);
                    forward(line);
                }
            }
        } catch (IOException e) {
            // removed by the job meanwhile: nothing (more) to forward
        }
        if (last && !partial.isEmpty()) {
            String line = partial.toString();
            partial.setLength(0);
            forward(line);
        }
    }

    private void forward(String line) {
        if (!line.isBlank()) sink.accept(line);
    }
}
