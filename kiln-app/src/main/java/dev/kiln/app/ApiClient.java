package dev.kiln.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.Map;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The CLI's view of a Kiln server: JSON over HTTP, problem+json turned into plain messages. */
final class ApiClient {
    /** A failure to show the user as one plain line (no stack trace). */
    static final class CliError extends RuntimeException {
        CliError(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    ApiClient(String server, String token) {
        this.base = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
        this.token = token;
    }

    /** The token from the flag, else $KILN_TOKEN, else the admin token the server wrote into its data dir. */
    static String resolveToken(String flag, Path dataDir) {
        if (flag != null) return flag.isBlank() ? null : flag; // --token= means: send none
        String env = System.getenv("KILN_TOKEN");
        if (env != null && !env.isBlank()) return env;
        Path file = dataDir.resolve("admin-token");
        try {
            return Files.exists(file) ? Files.readString(file).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    String getText(String path) {
        return raw("GET", path, null).body();
    }

    JsonNode send(String method, String path) {
        return send(method, path, null);
    }

    private JsonNode send(String method, String path, Object body) {
        HttpResponse<String> r = raw(method, path, body);
        try {
            return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new CliError("the server answered something that is not JSON: " + r.body());
        }
    }

    /** Sends {@code method path} and writes the answer's body to {@code file}; returns its size. */
    long download(String method, String path, Path file) {
        Path part = file.resolveSibling(file.getFileName() + ".part");
        try {
            var b = HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.noBody());
            if (token != null) b.header("Authorization", "Bearer " + token);
            HttpResponse<Path> r = exchange(b.build(), HttpResponse.BodyHandlers.ofFile(part));
            if (r.statusCode() >= 400) throw new CliError(problem(r.statusCode(), Files.readString(part)));
            Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return Files.size(file);
        } catch (IOException e) {
            throw new CliError("cannot write " + file + ": " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // nothing was written, or it was moved
            }
        }
    }

    /**
     * POSTs {@code spec} as the JSON part {@code spec} of a multipart/form-data body, then each file as an
     * {@code input} part named by its path in the workspace; files stream from disk.
     */
    JsonNode postMultipart(String path, Object spec, Map<String, Path> inputs) {
        String boundary = "kiln-" + java.util.UUID.randomUUID();
        var parts = new java.util.ArrayList<HttpRequest.BodyPublisher>();
        try {
            parts.add(HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"spec\"\r\n"
                    + "Content-Type: application/json\r\n\r\n" + JSON.writeValueAsString(spec) + "\r\n"));
            for (var input : inputs.entrySet()) {
                parts.add(HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"input\"; "
                        + "filename=\"" + input.getKey().replace("\"", "%22") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n"));
                parts.add(HttpRequest.BodyPublishers.ofFile(input.getValue()));
                parts.add(HttpRequest.BodyPublishers.ofString("\r\n"));
            }
        } catch (java.io.FileNotFoundException e) {
            throw new CliError("cannot read input file " + e.getMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
        parts.add(HttpRequest.BodyPublishers.ofString("--" + boundary + "--\r\n"));
        var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofHours(1))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(parts.toArray(HttpRequest.BodyPublisher[]::new)));
        if (token != null) b.header("Authorization", "Bearer " + token);
        HttpResponse<String> r = exchange(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 400) throw new CliError(problem(r.statusCode(), r.body()));
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new CliError("the server answered something that is not JSON: " + r.body());
        }
    }

    private HttpResponse<String> raw(String method, String path, Object body) {
        var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json");
            try {
                b.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            } catch (IOException e) {
                throw new IllegalArgumentException(e);
            }
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = exchange(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 400) throw new CliError(problem(r.statusCode(), r.body()));
        return r;
    }

    /** One exchange with the server; failing to reach it is a plain message. */
    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (ConnectException e) {
            throw new CliError("cannot reach the Kiln server at " + base + " (is it running? start it with ./kiln server)");
        } catch (IOException e) {
            throw new CliError("talking to " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliError("interrupted");
        }
    }

    private static String problem(int status, String body) {
        try {
            JsonNode p = JSON.readTree(body);
            var msg = new StringBuilder(p.path("detail").asText(p.path("title").asText("HTTP " + status)));
            for (JsonNode e : p.path("errors")) msg.append("\n  ").append(e.path("field").asText()).append(": ").append(e.path("message").asText());
            if (status == 401) msg.append("\n(pass --token, set KILN_TOKEN, or run where the server's data dir is)");
            return msg.toString();
        } catch (IOException e) {
            return "HTTP " + status + ": " + body;
        }
    }
}
