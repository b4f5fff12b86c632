package dev.kiln.server.live;

import dev.kiln.protocol.LogLine;
import java.util.List;

/** Lines {@code firstLine ..} of an attempt's log, as they were stored; {@code json} is shared by every client. */
public record LineBatch(String jobId, int attempt, long firstLine, List<LogLine> lines, SharedJson json) {
    public LineBatch(String jobId, int attempt, long firstLine, List<LogLine> lines) {
        this(jobId, attempt, firstLine, lines, new SharedJson());
    }
}
