package dev.kiln.agent;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The server's HTTP side as an agent reaches it: the server it is connected to now (its WebSocket address, which
 * moves when the agent fails over to another server of the list) and the agent's token. Artifacts and inputs go to
 * the same server as the log.
 */
record ServerHttp(Supplier<URI> serverWsUri, String token, HttpClient client) {

    static ServerHttp of(Supplier<URI> serverWsUri, String token) {
        return new ServerHttp(serverWsUri, token, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
    }

    static ServerHttp of(URI serverWsUri, String token) {
        return of(() -> serverWsUri, token);
    }

    /** The HTTP base of the current server. */
    URI base() {
        URI ws = serverWsUri.get();
        return URI.create((ws.getScheme().equals("wss") ? "https" : "http") + "://" + ws.getRawAuthority());
    }

    /** A request to {@code pathAndQuery} on the server, with the agent's token. */
    HttpRequest.Builder request(String pathAndQuery) {
        var request = HttpRequest.newBuilder(base().resolve(pathAndQuery)).timeout(Duration.ofMinutes(30));
        if (token != null) request.header("Authorization", "Bearer " + token);
        return request;
    }
}
