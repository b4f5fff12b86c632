package dev.kiln.agent;

import dev.kiln.protocol.AgentMessage;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * What the job runners of one agent share. {@code out} takes every message for the server; {@code timer} runs short
 * timed tasks (log flushes, control-file polls, timeouts) and nothing that blocks; {@code runners} runs each job and
 * its output readers, so it must not bound its threads; {@code uploader} is null when nothing may be uploaded,
 * {@code downloader} null when no input may be downloaded (an assignment with inputs then fails to start).
 * {@code queue} and {@code sendQueued} are for the job's own thread: {@code queue} queues a message without waking
 * anyone, {@code sendQueued} sends what is queued on the calling thread ({@link ServerLink#sendQueued}); without a
 * link, {@code queue} is {@code out} and {@code sendQueued} does nothing.
 */
record RunnerServices(String agentId, Path workDir, Consumer<AgentMessage> out, ScheduledExecutorService timer,
                      Executor runners, ArtifactUploader uploader, InputDownloader downloader,
                      Consumer<AgentMessage> queue, Runnable sendQueued) {

    RunnerServices(String agentId, Path workDir, Consumer<AgentMessage> out, ScheduledExecutorService timer,
                   Executor runners, ArtifactUploader uploader, InputDownloader downloader) {
        this(agentId, workDir, out, timer, runners, uploader, downloader, out, () -> { });
    }

    RunnerServices(String agentId, Path workDir, Consumer<AgentMessage> out, ScheduledExecutorService timer,
                   Executor runners, ArtifactUploader uploader) {
        this(agentId, workDir, out, timer, runners, uploader, null);
    }
}
