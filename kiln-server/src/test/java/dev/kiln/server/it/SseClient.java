package dev.kiln.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

/** A minimal real SSE client: reads events off the wire until told to stop. */
final class SseClient {
    record SseEvent(String id, String name, JsonNode data) {}

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Reads events from {@code url} (with {@code lastEventId} if not null) and hands each to {@code sink} until it
     * returns false or the stream ends. Returns the last id seen (or {@code lastEventId}).
     */
    static String read(String url, String token, String lastEventId, Predicate<SseEvent> sink) throws IOException, InterruptedException {
        var b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
        HttpResponse<java.io.InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) throw new IOException("SSE " + url + " answered " + r.statusCode() + ": " + new String(r.body().readAllBytes()));
        String last = lastEventId;
        try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String id = null, name = null;
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (name != null) {
                        if (id != null) last = id;
                        boolean more = sink.test(new SseEvent(id, name, Api.JSON.readTree(data.toString())));
                        if (!more) return last;
                    }
                    id = null;
                    name = null;
                    data.setLength(0);
                } else if (line.startsWith("id: ")) id = line.substring(4);
                else if (line.startsWith("event: ")) name = line.substring(7);
                else if (line.startsWith("data: ")) data.append(line.substring(6));
            }
        }
        return last;
    }
}
