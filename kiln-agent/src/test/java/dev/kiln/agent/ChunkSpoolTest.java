package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkSpoolTest {
    @TempDir
    Path dir;

    static AgentMessage.Log chunk(long seq) {
        var lines = new ArrayList<LogLine>();
        for (int i = 0; i < 100; i++) lines.add(new LogLine(seq * 1000 + i, LogStream.STDOUT, "chunk " + seq + " line " + i + " " + "x".repeat(1000)));
        return new AgentMessage.Log("job", 1, seq, lines);
    }

    @Test
    void overflowGoesToDiskComesBackInOrderAndIsDeletedWhenAcked() {
        Path file = dir.resolve("spool/job-1.jsonl");
        var spool = new ChunkSpool(file);
        for (long seq = 1; seq <= 200; seq++) spool.add(chunk(seq), 100 * 1016);
        assertThat(spool.spilled()).isTrue();
        assertThat(Files.exists(file)).isTrue();
        List<AgentMessage.Log> all = spool.all();
        assertThat(all).hasSize(200);
        for (int i = 0; i < 200; i++) assertThat(all.get(i)).isEqualTo(chunk(i + 1));
        spool.ackUpTo(150);
        assertThat(spool.firstSeq()).isEqualTo(151);
        assertThat(spool.all()).extracting(AgentMessage.Log::seq).startsWith(151L).hasSize(50);
        spool.ackUpTo(200);
        assertThat(spool.isEmpty()).isTrue();
        assertThat(Files.exists(file)).isFalse();
    }
}
