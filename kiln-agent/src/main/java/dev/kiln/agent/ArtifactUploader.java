package dev.kiln.agent;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Uploads the files of a finished job that match its {@code artifacts} globs (relative to the workspace, e.g.
 * {@code dist/*.jar} or {@code **}{@code /report.xml}). Files stream from disk; nothing is held in memory. A file is
 * uploaded under its name with the job's secrets masked (their contents are the job's own business).
 */
final class ArtifactUploader {
    private final Supplier<URI> serverWsUri;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** {@code serverWsUri}: the agent socket's address of the server the agent is connected to now. */
    ArtifactUploader(Supplier<URI> serverWsUri, String token) {
        this.serverWsUri = serverWsUri;
        this.token = token;
    }

    private URI httpBase() {
        URI ws = serverWsUri.get();
        return URI.create((ws.getScheme().equals("wss") ? "https" : "http") + "://" + ws.getRawAuthority());
    }

    /** Uploads every match; returns the problems (empty when all went well). */
    List<String> upload(String jobId, int attempt, Path workspace, List<String> globs, JobLog log)
            throws InterruptedException {
        Consumer<String> system = log::system;
        var problems = new ArrayList<String>();
        var files = new TreeSet<String>();
        for (String glob : globs) {
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            int before = files.size();
            try (Stream<Path> walk = Files.walk(workspace)) {
                walk.filter(Files::isRegularFile).map(workspace::relativize)
                        .filter(p -> !p.startsWith(".git")).filter(matcher::matches)
                        .forEach(p -> files.add(p.toString()));
            } catch (IOException e) {
                problems.add("cannot search the workspace for " + glob + ": " + e.getMessage());
            }
            if (files.size() == before) system.accept("warning: no file matches artifact pattern " + glob);
        }
        for (String path : files) {
            Path file = workspace.resolve(path);
            String name = log.mask(path);
            try {
                long size = Files.size(file);
                system.accept("uploading artifact " + name + " (" + size + " bytes)");
                var request = HttpRequest.newBuilder(httpBase().resolve("/api/v1/agent/jobs/" + jobId + "/artifacts?attempt="
                                + attempt + "&name=" + URLEncoder.encode(name, StandardCharsets.UTF_8)))
                        .header("Content-Type", "application/octet-stream")
                        .timeout(Duration.ofMinutes(30))
                        .PUT(HttpRequest.BodyPublishers.ofFile(file));
                if (token != null) request.header("Authorization", "Bearer " + token);
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 201) {
                    problems.add("upload of " + name + " failed: HTTP " + response.statusCode() + " " + response.body());
                } else {
                    system.accept("uploaded artifact " + name);
                }
            } catch (IOException e) {
                problems.add("upload of " + name + " failed: " + e.getMessage());
            }
        }
        problems.forEach(p -> system.accept("error: " + p));
        return problems;
    }
}
