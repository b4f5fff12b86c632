package dev.kiln.server.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Bytes on a socket, for requests no HTTP client will send (a broken request line, a raw backslash in the path, a
 * 20 KiB header). Reads one response: status, headers, and the body by Content-Length (or to the close).
 */
public final class RawHttp {
    public record Response(int status, Map<String, String> headers, String body) {
        public String contentType() {
            return headers.getOrDefault("content-type", "");
        }
    }

    /** Thrown when the server reset the connection or closed it without any response. */
    public static final class NoResponse extends IOException {
        NoResponse(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private RawHttp() {}

    public static Response send(int port, byte[] request) throws IOException {
        return send(port, request, true);
    }

    /** {@code withBody}: false for HEAD, whose response has a length but no body. */
    public static Response send(int port, byte[] request, boolean withBody) throws IOException {
        try (var socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            // written while the response is read: a server may answer (413, 401) and close before the body is in,
            // which breaks the write but not the answer
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    socket.getOutputStream().write(request);
                    socket.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the response, or its absence, tells
                }
            });
            try {
                return read(socket.getInputStream(), withBody);
            } finally {
                writer.interrupt();
            }
        } catch (java.net.SocketException e) {
            throw new NoResponse("connection reset: " + e.getMessage(), e);
        }
    }

    public static Response send(int port, String request) throws IOException {
        return send(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Response read(InputStream in, boolean withBody) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) throw new NoResponse("closed without a response", null);
        var headers = new LinkedHashMap<String, String>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon > 0) headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        var body = new ByteArrayOutputStream();
        String length = headers.get("content-length");
        // a switched protocol or an endless stream: the head is the answer
        if (status == 101 || !withBody || headers.getOrDefault("content-type", "").startsWith("text/event-stream")) {
            return new Response(status, headers, "");
        }
        try {
            if (length != null) {
                body.write(in.readNBytes(Integer.parseInt(length)));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                for (int size = Integer.parseInt(line(in).split(";")[0].strip(), 16); size > 0;
                     size = Integer.parseInt(line(in).split(";")[0].strip(), 16)) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
            } else {
                in.transferTo(body);
            }
        } catch (SocketTimeoutException e) {
            // a body without length on a kept-alive connection: what came is the body
        }
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        var b = new ByteArrayOutputStream();
        for (int c = in.read(); c != -1; c = in.read()) {
            if (c == '\n') return b.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
}
