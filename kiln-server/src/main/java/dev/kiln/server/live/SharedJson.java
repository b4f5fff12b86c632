package dev.kiln.server.live;

import java.util.function.Supplier;

/**
 * The JSON of one live batch of lines, encoded by the first stream client that sends it and reused by every other:
 * with hundreds of clients on one job, encoding once per batch instead of once per client is most of the server's
 * fan-out work. Two clients racing may both encode; the result is the same.
 */
public final class SharedJson {
    private volatile String json;

    public String get(Supplier<String> encode) {
        String j = json;
        if (j == null) {
            j = encode.get();
            json = j;
        }
        return j;
    }
}
