package dev.kiln.server.artifacts;

import dev.kiln.server.core.Artifact;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Artifact content on disk, addressed by SHA-256 ({@code <root>/ab/abcdef…}): the same file uploaded twice is kept
 * once. Uploads stream through a fixed buffer into a temporary file while hashing, so a file of any size costs the
 * server a few kilobytes of heap.
 */
public final class ArtifactFiles {
    public record Stored(String sha256, long size) {}

    private final Path root;

    public ArtifactFiles(Path root) {
        this.root = root;
    }

    public Stored store(InputStream in, long maxBytes) throws IOException {
        Files.createDirectories(root.resolve("tmp"));
        Path tmp = Files.createTempFile(root.resolve("tmp"), "upload-", ".part");
        try {
            MessageDigest sha = sha256();
            long size = 0;
            byte[] buf = new byte[64 * 1024];
            try (OutputStream out = Files.newOutputStream(tmp)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    size += n;
                    if (size > maxBytes) throw new IOException("artifact is larger than " + maxBytes + " bytes");
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            String hex = HexFormat.of().formatHex(sha.digest());
            Path target = path(hex);
            Files.createDirectories(target.getParent());
            if (Files.exists(target)) Files.delete(tmp);
            else Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return new Stored(hex, size);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public Path path(String sha256) {
        return root.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
