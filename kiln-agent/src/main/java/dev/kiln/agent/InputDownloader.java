package dev.kiln.agent;

import dev.kiln.protocol.InputFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Places an assignment's input files in the workspace before the command runs (a plan's artifacts for its apply job,
 * files uploaded with the submit). Each streams from the server to disk through a fixed buffer while it is hashed; a
 * file whose SHA-256 is not the one the assignment names is deleted and the attempt does not start — the job runs
 * exactly the bytes that were reviewed, or not at all.
 */
final class InputDownloader {
    private final ServerHttp http;

    InputDownloader(ServerHttp http) {
        this.http = http;
    }

    void download(List<InputFile> inputs, Path workspace, JobLog log) throws StartFailure, InterruptedException {
        for (InputFile input : inputs) {
            Path target = inside(workspace, input.path());
            String actual = fetch(input, target);
            if (!actual.equalsIgnoreCase(input.sha256())) {
                deleteQuietly(target);
                throw new StartFailure("input " + input.path() + " failed its SHA-256 check: expected " + input.sha256()
                        + ", got " + actual + "; the command did not run");
            }
            log.system("input " + input.path() + " verified (sha256 " + input.sha256() + ")");
        }
    }

    /** Streams the file to {@code target}; returns the SHA-256 of what arrived. */
    private String fetch(InputFile input, Path target) throws StartFailure, InterruptedException {
        try {
            Files.createDirectories(target.getParent());
            HttpResponse<InputStream> response = http.client().send(http.request(input.url()).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    String why = new String(in.readNBytes(500), StandardCharsets.UTF_8);
                    throw new StartFailure("input " + input.path() + " could not be downloaded: HTTP "
                            + response.statusCode() + " " + why);
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[64 * 1024];
                try (OutputStream out = Files.newOutputStream(target)) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        sha.update(buf, 0, n);
                        out.write(buf, 0, n);
                    }
                }
                return HexFormat.of().formatHex(sha.digest());
            }
        } catch (IOException e) {
            deleteQuietly(target);
            throw new StartFailure("input " + input.path() + " could not be downloaded: " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The path must stay inside the workspace: the server checks names, the agent does not trust that alone. */
    private static Path inside(Path workspace, String path) throws StartFailure {
        Path target = workspace.resolve(path).normalize();
        if (!target.startsWith(workspace) || target.equals(workspace)) {
            throw new StartFailure("input path '" + path + "' is outside the workspace");
        }
        return target;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the workspace goes with the attempt anyway
        }
    }
}
