package dev.kiln.agent;

import dev.kiln.protocol.SecretMasker;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import java.util.function.Consumer;

/** One job's log as the server sees it: every line masked for secrets; the agent's own lines marked {@code [agent]}. */
final class JobLog {
    private final Consumer<LogLine> sink;
    private final SecretMasker masker;

    JobLog(Consumer<LogLine> sink, SecretMasker masker) {
        this.sink = sink;
        this.masker = masker;
    }

    void line(LogStream stream, String text) {
        sink.accept(new LogLine(Timestamps.nowNs(), stream, masker.mask(text)));
    }

    /** A line from Kiln itself: checkout, start, exit, cancel, warnings about the job's control files. */
    void system(String text) {
        line(LogStream.SYSTEM, "[agent] " + text);
    }

    String mask(String text) {
        return masker.mask(text);
    }

    SecretMasker masker() {
        return masker;
    }
}
