package dev.kiln.agent;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** Just enough of a WebSocket server (RFC 6455, text frames) to test the agent's link without the Kiln server. */
final class TinyWebSocketServer implements AutoCloseable {
    /** A text the server received, and the number of the connection (from 1) it came on. */
    record Received(int connection, String text) {}

    final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    final BlockingQueue<Socket> connections = new LinkedBlockingQueue<>();
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final AtomicInteger count = new AtomicInteger();

    TinyWebSocketServer() throws IOException {
        Thread.ofPlatform().daemon().name("tiny-ws-accept").start(this::acceptLoop);
    }

    URI uri() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/api/v1/agent/ws");
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                int n = count.incrementAndGet();
                Thread.ofPlatform().daemon().name("tiny-ws-" + n).start(() -> serve(s, n));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket s, int n) {
        try (s) {
            InputStream in = s.getInputStream();
            String key = null;
            for (String line; !(line = readLine(in)).isEmpty(); ) {
                if (line.toLowerCase().startsWith("sec-websocket-key:")) key = line.substring(18).strip();
            }
            byte[] sha1 = MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(sha1) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            connections.add(s);
            readFrames(new DataInputStream(in), n);
        } catch (Exception e) {
            // dropped by the test or by the client
        }
    }

    private void readFrames(DataInputStream in, int n) throws IOException {
        var message = new ByteArrayOutputStream();
        while (true) {
            int b0 = in.readUnsignedByte(), b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) len = in.readUnsignedShort();
            else if (len == 127) len = in.readLong();
            byte[] mask = new byte[4];
            if ((b1 & 0x80) != 0) in.readFully(mask);
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            for (int i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
            int opcode = b0 & 0x0f;
            if (opcode == 8) return; // close
            if (opcode != 0 && opcode != 1) continue; // ping, pong, binary: not used here
            message.write(payload);
            if ((b0 & 0x80) != 0) {
                received.add(new Received(n, message.toString(StandardCharsets.UTF_8)));
                message.reset();
            }
        }
    }

    static void sendText(Socket s, String text) throws IOException {
        sendFrame(s, 0x81, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A close frame with a status code and reason, as a server refusing the agent sends it. */
    static void sendClose(Socket s, int code, String reason) throws IOException {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[text.length + 2];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        sendFrame(s, 0x88, payload);
    }

    private static void sendFrame(Socket s, int firstByte, byte[] payload) throws IOException {
        OutputStream out = s.getOutputStream();
        synchronized (s) {
            out.write(firstByte);
            if (payload.length < 126) {
                out.write(payload.length);
            } else {
                out.write(126);
                out.write(payload.length >> 8);
                out.write(payload.length & 0xff);
            }
            out.write(payload);
            out.flush();
        }
    }

    private static String readLine(InputStream in) throws IOException {
        var line = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new IOException("connection closed during the handshake");
            if (c != '\r') line.append((char) c);
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : connections) s.close();
    }
}
