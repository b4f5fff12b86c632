package dev.kiln.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Server-sent events on a held-open response: {@code id}, {@code event}, one-line JSON {@code data}. */
final class SseWriter {
    private final OutputStream out;
    private final ObjectMapper mapper;
    private final StringBuilder buf = new StringBuilder(4096);
    private long lastWrite = System.currentTimeMillis();

    SseWriter(Context ctx, ObjectMapper mapper) throws IOException {
        this.mapper = mapper;
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream;charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no"); // proxies must pass events on at once
        this.out = res.getOutputStream();
        out.write(": connected\nretry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Adds an event to the buffer; {@link #flush} sends what was added. {@code id} may be null. */
    void event(String id, String name, Object data) {
        try {
            if (id != null) buf.append("id: ").append(id).append('\n');
            buf.append("event: ").append(name).append('\n');
            buf.append("data: ").append(mapper.writeValueAsString(data)).append("\n\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends what was added; after {@code pingMs} of silence, a comment that keeps proxies from closing the stream. */
    void flushOrPing(long pingMs) throws IOException {
        long now = System.currentTimeMillis();
        if (buf.isEmpty() && now - lastWrite >= pingMs) buf.append(": ping\n\n");
        flush();
    }

    void flush() throws IOException {
        if (buf.isEmpty()) return;
        out.write(buf.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        buf.setLength(0);
        lastWrite = System.currentTimeMillis();
    }
}
