package dev.kiln.server.logs;

import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored form of a chunk of log lines: per line a varint time delta (ns) from the previous line, one stream
 * byte, a varint length and the UTF-8 text. Compact and cheap to encode; a chunk decodes on its own.
 */
public final class LogChunkCodec {
    private static final LogStream[] STREAMS = LogStream.values();

    private LogChunkCodec() {}

    public static byte[] encode(List<LogLine> lines) {
        var bytes = new ByteArrayOutputStream(64 + lines.size() * 48);
        var out = new DataOutputStream(bytes);
        try {
            writeVarLong(out, lines.size());
            long prev = lines.isEmpty() ? 0 : lines.get(0).timestampNs();
            out.writeLong(prev);
            for (LogLine line : lines) {
                writeVarLong(out, zigzag(line.timestampNs() - prev));
                prev = line.timestampNs();
                out.writeByte(line.stream().ordinal());
                byte[] text = line.text().getBytes(StandardCharsets.UTF_8);
                writeVarLong(out, text.length);
                out.write(text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static List<LogLine> decode(byte[] data) {
        var in = new DataInputStream(new java.io.ByteArrayInputStream(data));
        try {
            int n = (int) readVarLong(in);
            var lines = new ArrayList<LogLine>(n);
            long ts = in.readLong();
            for (int i = 0; i < n; i++) {
                ts += unzigzag(readVarLong(in));
                LogStream stream = STREAMS[in.readUnsignedByte()];
                byte[] text = new byte[(int) readVarLong(in)];
                in.readFully(text);
                lines.add(new LogLine(ts, stream, new String(text, StandardCharsets.UTF_8)));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt log chunk", e);
        }
    }

    private static long zigzag(long v) { return (v << 1) ^ (v >> 63); }

    private static long unzigzag(long v) { return (v >>> 1) ^ -(v & 1); }

    private static void writeVarLong(DataOutputStream out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    private static long readVarLong(DataInputStream in) throws IOException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new IOException("varint too long");
    }
}
