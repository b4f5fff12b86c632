package dev.kiln.server.it;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP receiver for notifications on loopback (the JDK's HttpServer): it keeps every POST it answered with
 * 200. It may be started later than made, and stopped and started again on the same port, to play a receiver that
 * is down for a while.
 */
public final class WebhookReceiver implements AutoCloseable {
    public record Received(String path, String deliveryId, String event, String signature, String body) {}

    private final int port;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private HttpServer server;

    private WebhookReceiver(int port) {
        this.port = port;
    }

    /** Listening now, on a free port. */
    public static WebhookReceiver started() throws IOException {
        var r = new WebhookReceiver(ServerProcess.freePort());
        r.start();
        return r;
    }

    /** Not listening yet (connections to its port are refused) until {@link #start}. */
    public static WebhookReceiver down() throws IOException {
        return new WebhookReceiver(ServerProcess.freePort());
    }

    public synchronized void start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            var h = exchange.getRequestHeaders();
            received.add(new Received(exchange.getRequestURI().getPath(), h.getFirst("X-Kiln-Delivery"),
                    h.getFirst("X-Kiln-Event"), h.getFirst("X-Kiln-Signature"), new String(body, StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    public synchronized void stop() {
        if (server != null) server.stop(0);
        server = null;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> receivedAt(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    @Override
    public void close() {
        stop();
    }
}
