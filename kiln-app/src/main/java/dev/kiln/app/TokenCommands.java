package dev.kiln.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kiln token create|list|revoke}: token management through the server's API (an admin token is needed). */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Create, list and revoke API tokens.",
        subcommands = {TokenCommands.Create.class, TokenCommands.List.class, TokenCommands.Revoke.class})
final class TokenCommands {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a token; it is shown once.")
    static final class Create implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Option(names = "--role", required = true, description = "viewer, operator, admin or agent") String role;
        @Option(names = "--name", required = true, description = "who or what uses it, e.g. ci or build-7") String name;
        @Option(names = "--agent-id", description = "agent tokens: the one agent id it may connect as (default: the id of its first connection)")
        String agentId;

        @Override
        public Integer call() {
            var body = new java.util.LinkedHashMap<String, Object>(Map.of("name", name, "role", role));
            if (agentId != null) body.put("agent_id", agentId);
            JsonNode t = client.client().post("/api/v1/tokens", body);
            System.out.println(t.get("token").asText());
            System.err.println("token " + t.get("id").asText() + " (" + t.get("role").asText() + ") for " + name
                    + ": store it now, it is not shown again");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their values).")
    static final class List implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();

        @Override
        public Integer call() {
            for (JsonNode t : client.client().get("/api/v1/tokens").get("tokens")) {
                System.out.printf("%s  %-8s %-20s created %s%s%s%n", t.get("id").asText(), t.get("role").asText(),
                        t.get("name").asText(), t.get("created_at").asText().substring(0, 19),
                        t.path("agent_id").isTextual() ? "  agent " + t.get("agent_id").asText() : "",
                        t.get("revoked_at").isNull() ? "" : "  REVOKED " + t.get("revoked_at").asText().substring(0, 19));
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token by id.")
    static final class Revoke implements Callable<Integer> {
        @Mixin ClientOptions client = new ClientOptions();
        @Parameters(paramLabel = "TOKEN_ID") String id;

        @Override
        public Integer call() {
            client.client().send("DELETE", "/api/v1/tokens/" + JobCommands.enc(id));
            System.out.println("revoked " + id);
            return 0;
        }
    }
}
