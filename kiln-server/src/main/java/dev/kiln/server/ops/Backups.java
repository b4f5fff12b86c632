package dev.kiln.server.ops;

import dev.kiln.server.core.Artifact;
import dev.kiln.server.store.JobQuery;
import dev.kiln.server.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Backup and restore of a data dir as one zip: the store's snapshot ({@link Store#backupTo}), every artifact file,
 * and the data dir's keys ({@code secrets.key}, which opens the jobs' secrets, and {@code admin-token}). The zip
 * holds those keys: whoever has it has the secrets.
 */
public final class Backups {
    /** The files of the data dir a backup carries besides the store and the artifacts. */
    static final List<String> KEY_FILES = List.of("secrets.key", "admin-token");
    private static final String ARTIFACTS = "artifacts";

    private final Store store;
    private final Path dataDir;
    private final Retention retention;

    public Backups(Store store, Path dataDir, Retention retention) {
        this.store = store;
        this.dataDir = dataDir;
        this.retention = retention;
    }

    /**
     * Writes a backup to {@code out} while the server runs. The snapshot is taken first: artifact files are written
     * before their rows commit and are never changed, so every file a row of the snapshot names exists by then; no
     * retention pass runs meanwhile, so none goes before it is copied.
     */
    public void write(OutputStream out) throws IOException {
        Path tmp = Files.createTempDirectory(dataDir, "backup-");
        try {
            retention.whilePaused(() -> {
                try (var zip = new ZipOutputStream(out)) {
                    store.backupTo(tmp);
                    try (var files = Files.list(tmp)) {
                        for (Path f : files.toList()) add(zip, f, f.getFileName().toString());
                    }
                    for (String name : KEY_FILES) {
                        if (Files.exists(dataDir.resolve(name))) add(zip, dataDir.resolve(name), name);
                    }
                    Path artifacts = dataDir.resolve(ARTIFACTS);
                    if (Files.isDirectory(artifacts)) {
                        try (var files = Files.walk(artifacts)) {
                            for (Path f : files.filter(Files::isRegularFile).toList()) {
                                String name = artifacts.relativize(f).toString().replace('\\', '/');
                                if (!name.startsWith("tmp/")) add(zip, f, ARTIFACTS + "/" + name); // uploads in progress
                            }
                        }
                    }
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            deleteTree(tmp);
        }
    }

    private static void add(ZipOutputStream zip, Path file, String name) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        Files.copy(file, zip);
        zip.closeEntry();
    }

    /** Unpacks a backup into {@code dataDir}, which must be empty or absent (a restore never mixes two data dirs). */
    public static void unpack(InputStream backup, Path dataDir) throws IOException {
        if (Files.isDirectory(dataDir)) {
            try (var entries = Files.list(dataDir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException(dataDir + " is not empty: restore into a new or empty directory");
                }
            }
        }
        Files.createDirectories(dataDir);
        Path root = dataDir.toAbsolutePath().normalize();
        boolean sawStore = false;
        try (var zip = new ZipInputStream(backup)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                Path target = root.resolve(e.getName()).normalize();
                if (!target.startsWith(root) || e.isDirectory()) {
                    throw new IllegalArgumentException("not a Kiln backup: entry '" + e.getName() + "' is outside the data dir");
                }
                Files.createDirectories(target.getParent());
                Files.copy(zip, target);
                sawStore |= e.getName().equals("kiln.db");
            }
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException("not a Kiln backup (not a zip file): " + e.getMessage());
        }
        if (!sawStore) throw new IllegalArgumentException("not a Kiln backup: it holds no kiln.db");
        for (String key : KEY_FILES) {
            Path f = root.resolve(key);
            if (Files.exists(f)) Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
    }

    /** What a restored store holds: its artifacts checked against their files' SHA-256. */
    public record Verification(int jobs, int artifacts, List<String> problems) {}

    /** Checks every artifact row of every job has its file, with the right SHA-256. */
    public static Verification verifyArtifacts(Store store, Function<String, Path> contentPath) {
        var problems = new ArrayList<String>();
        int jobs = 0;
        int artifacts = 0;
        long before = 0;
        while (true) {
            var page = store.jobs(new JobQuery(null, null, null, null, before, 500));
            for (var job : page.items()) {
                jobs++;
                for (Artifact a : store.artifacts(job.id())) {
                    artifacts++;
                    Path f = contentPath.apply(a.sha256());
                    if (!Files.exists(f)) problems.add("job " + job.id() + ": artifact " + a.name() + " has no file " + f);
                    else if (!sha256(f).equals(a.sha256())) problems.add("job " + job.id() + ": artifact " + a.name() + " does not match its SHA-256");
                }
            }
            if (page.nextCursor() == null) break;
            before = Long.parseLong(page.nextCursor());
        }
        return new Verification(jobs, artifacts, problems);
    }

    static String sha256(Path file) {
        try (var in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
