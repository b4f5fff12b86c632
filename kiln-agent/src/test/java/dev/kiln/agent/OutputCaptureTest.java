package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.protocol.LogStream;
import dev.kiln.protocol.SecretMasker;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class OutputCaptureTest {
    record Captured(LogStream stream, String text) {}

    final List<Captured> captured = new CopyOnWriteArrayList<>();
    final OutputCapture capture = new OutputCapture((stream, text) -> captured.add(new Captured(stream, text)), SecretMasker.NONE);

    void copy(String text) {
        capture.copy(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), LogStream.STDOUT);
    }

    List<String> texts() {
        return captured.stream().map(Captured::text).toList();
    }

    @Test
    void splitsLinesDropsCarriageReturnsAndKeepsAnUnfinishedLastLine() {
        copy("one\r\ntwo\n\nünï ✓\nno end");
        assertThat(texts()).containsExactly("one", "two", "", "ünï ✓", "no end");
    }

    @Test
    void aQuietStreamCostsNoDecoderOrBuffers() {
        // most streams of most jobs carry nothing: the reader, decoder and buffers (24 KB) are made at the first byte
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        copy("");
        long before = threads.getCurrentThreadAllocatedBytes();
        copy("");
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(4096);
        assertThat(texts()).isEmpty();
    }

    @Test
    void aLineWithoutEndIsCutAtTheLimit() {
        int max = OutputCapture.MAX_LINE_CHARS;
        copy("x".repeat(max * 2 + 5) + "\n");
        assertThat(texts()).containsExactly("x".repeat(max), "x".repeat(max), "xxxxx");
    }

    @Test
    void aLongLineIsNeverCutThroughASecret() {
        int max = OutputCapture.MAX_LINE_CHARS;
        var masked = new CopyOnWriteArrayList<String>();
        var secrets = new SecretMasker(List.of("hunter2-secret"));
        var withSecrets = new OutputCapture((stream, text) -> masked.add(secrets.mask(text)), secrets);
        for (int before = 1; before < "hunter2-secret".length(); before++) {
            masked.clear();
            String line = "x".repeat(max - before) + "hunter2-secret" + "y".repeat(max) + "\n";
            withSecrets.copy(new ByteArrayInputStream(line.getBytes(StandardCharsets.UTF_8)), LogStream.STDOUT);
            assertThat(String.join("", masked)).isEqualTo("x".repeat(max - before) + "***" + "y".repeat(max));
            assertThat(masked).allSatisfy(piece -> assertThat(piece.length()).isLessThanOrEqualTo(max));
        }
    }

    @Test
    void capturesBothStreamsOfAProcessUntilTheyEnd() throws Exception {
        var readers = Executors.newCachedThreadPool();
        try {
            Process p = new ProcessBuilder("bash", "-c", "echo out; echo err >&2; echo out2").start();
            capture.start(p, readers, "capture-test");
            assertThat(capture.awaitEnd(Duration.ofSeconds(30))).isTrue();
            assertThat(captured).containsSubsequence(new Captured(LogStream.STDOUT, "out"), new Captured(LogStream.STDOUT, "out2"))
                    .contains(new Captured(LogStream.STDERR, "err")).hasSize(3);
        } finally {
            readers.shutdownNow();
        }
    }
}
