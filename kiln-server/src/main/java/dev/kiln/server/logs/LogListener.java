package dev.kiln.server.logs;

import dev.kiln.protocol.LogLine;
import java.util.List;

/** Told of log lines once they are stored (live tails hang here). Must not block. */
public interface LogListener {
    void onLines(String jobId, int attempt, long firstLine, List<LogLine> lines);
}
