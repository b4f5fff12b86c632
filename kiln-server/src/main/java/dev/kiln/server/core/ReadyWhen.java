package dev.kiln.server.core;

/**
 * When a service counts as ready (serving): a line of its output matches {@code log} (a Java regex, found anywhere in
 * the line), or something accepts connections on {@code tcpPort} of its agent's loopback. Exactly one is set. The
 * agent checks it; until then the service shows as starting.
 */
public record ReadyWhen(String log, Integer tcpPort) {
    public static ReadyWhen logMatches(String regex) {
        return new ReadyWhen(regex, null);
    }

    public static ReadyWhen tcpPort(int port) {
        return new ReadyWhen(null, port);
    }
}
