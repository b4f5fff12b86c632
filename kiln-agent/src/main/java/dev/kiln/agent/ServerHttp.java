package dev.kiln.agent;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;

/** The server's HTTP side as an agent reaches it: the base address (from the WebSocket's) and the agent's token. */
record ServerHttp(URI base, String token, HttpClient client) {

    static ServerHttp of(URI serverWsUri, String token) {
        String scheme = serverWsUri.getScheme().equals("wss") ? "https" : "http";
        return new ServerHttp(URI.create(scheme + "://" + serverWsUri.getRawAuthority()), token,
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
    }

    /** A request to {@code pathAndQuery} on the server, with the agent's token. */
    HttpRequest.Builder request(String pathAndQuery) {
        var request = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofMinutes(30));
        if (token != null) request.header("Authorization", "Bearer " + token);
        return request;
    }
}
