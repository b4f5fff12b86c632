package dev.kiln.server.it;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** A small real HTTP client for tests: every call goes over a socket to the server under test. */
public final class Api {
    public static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    public Api(String base) {
        this(base, null);
    }

    public Api(String base, String token) {
        this.base = base;
        this.token = token;
    }

    /** The same server, another token (null: none). */
    public Api withToken(String other) {
        return new Api(base, other);
    }

    public String token() {
        return token;
    }

    /** Creates a token with this client's (admin) token and returns it. */
    public String createToken(String name, String role) {
        Response r = post("/api/v1/tokens", java.util.Map.of("name", name, "role", role));
        if (r.status() != 201) throw new AssertionError("token create failed: " + r.status() + " " + r.body());
        return r.json().get("token").asText();
    }

    public String base() {
        return base;
    }

    public record Response(int status, String contentType, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    public Response send(String method, String path, String contentType, String body) {
        var builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (contentType != null) builder.header("Content-Type", contentType);
        if (token != null) builder.header("Authorization", "Bearer " + token);
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Status and content type only: the body is not read (a stream such as /api/v1/stream never ends). The body of
     * the returned response is empty.
     */
    public Response head(String method, String path, String contentType, String body) {
        var builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (contentType != null) builder.header("Content-Type", contentType);
        if (token != null) builder.header("Authorization", "Bearer " + token);
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<java.io.InputStream> r = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
            r.body().close();
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Response get(String path) {
        return send("GET", path, null, null);
    }

    public Response post(String path, String json) {
        return send("POST", path, "application/json", json);
    }

    public Response post(String path, Object body) {
        try {
            return post(path, JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Submits and returns the created job; fails the test unless the server says 201. */
    public JsonNode submit(Object spec) {
        Response r = post("/api/v1/jobs", spec);
        if (r.status() != 201) throw new AssertionError("submit failed: " + r.status() + " " + r.body());
        return r.json();
    }

    public JsonNode job(String id) {
        Response r = get("/api/v1/jobs/" + id);
        if (r.status() != 200) throw new AssertionError("GET job failed: " + r.status() + " " + r.body());
        return r.json();
    }

    public JsonNode awaitStatus(String id, Duration within, String... statuses) {
        var wanted = Set.of(statuses);
        await().atMost(within).pollInterval(Duration.ofMillis(50))
                .until(() -> wanted.contains(get("/api/v1/jobs/" + id + "/status").json().get("status").asText()));
        return job(id);
    }

    /** Every log line of an attempt, paging through the API. */
    public List<JsonNode> allLogLines(String id, int attempt) {
        var lines = new ArrayList<JsonNode>();
        long after = 0;
        while (true) {
            JsonNode page = get("/api/v1/jobs/" + id + "/logs?attempt=" + attempt + "&after=" + after + "&limit=10000").json();
            page.get("lines").forEach(lines::add);
            if (page.get("lines").isEmpty()) return lines;
            after = page.get("next_after").asLong();
        }
    }
}
