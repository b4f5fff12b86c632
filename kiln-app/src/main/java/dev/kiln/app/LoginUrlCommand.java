package dev.kiln.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code kiln login-url}: asks the running server for a one-time sign-in code (with an admin token, by default the
 * one in the data dir) and prints the dashboard URL that carries it. Through the API rather than the database, so it
 * works against a remote server and never touches a store the server holds open.
 */
@Command(name = "login-url", mixinStandardHelpOptions = true,
        description = "Print a one-time dashboard sign-in URL (valid once, for 15 minutes); needs an admin token.")
final class LoginUrlCommand implements Callable<Integer> {
    @Mixin ClientOptions client = new ClientOptions();

    @Override
    public Integer call() {
        JsonNode code = client.client().post("/api/v1/sign-in-codes", Map.of());
        String server = client.server.endsWith("/") ? client.server.substring(0, client.server.length() - 1) : client.server;
        System.out.println(server + code.get("path").asText());
        System.err.println("valid once, until " + code.get("expires_at").asText());
        return 0;
    }
}
