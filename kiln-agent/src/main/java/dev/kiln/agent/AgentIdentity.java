package dev.kiln.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/** An agent's stable id, kept in {@code <work dir>/agent-id}: a restarted agent is the same agent. */
public final class AgentIdentity {
    private AgentIdentity() {}

    public static String loadOrCreate(Path workDir) {
        Path file = workDir.resolve("agent-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file).strip();
                if (!id.isEmpty()) return id;
            }
            Files.createDirectories(workDir);
            String id = UUID.randomUUID().toString();
            Path tmp = workDir.resolve("agent-id.tmp");
            Files.writeString(tmp, id + "\n");
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the agent id in " + file + ": " + e.getMessage(), e);
        }
    }
}
