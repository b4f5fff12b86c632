package dev.kiln.app;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the server is and how to sign in: shared by every client command. */
final class ClientOptions {
    @Option(names = "--server", defaultValue = "${env:KILN_SERVER:-http://127.0.0.1:8080}", description = "Server URL (default: $KILN_SERVER or ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--token", description = "API token (default: $KILN_TOKEN, else <data dir>/admin-token).")
    String token;

    @Option(names = "--data-dir", defaultValue = "./kiln-data", description = "Data dir to read the admin token from (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    ApiClient client() {
        return new ApiClient(firstServer(), ApiClient.resolveToken(token, dataDir));
    }

    /** The server to ask: the first of a list, as agents take in {@code KILN_SERVER} (servers of one database). */
    String firstServer() {
        return server.split(",")[0].strip();
    }
}
