package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.http.ApiServer;
import dev.kiln.server.core.Role;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Walks the whole route table: each route refuses a missing and a too-weak token and lets the right role in. */
class AccessControlIT {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static Map<Role, Api> as;

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 1);
        Api admin = kiln.api;
        as = Map.of(
                Role.VIEWER, admin.withToken(admin.createToken("v", "viewer")),
                Role.OPERATOR, admin.withToken(admin.createToken("o", "operator")),
                Role.ADMIN, admin,
                Role.AGENT, admin.withToken(admin.createToken("a", "agent")));
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    static String concrete(String path) {
        return path.replace("{id}", "0193f6c2-8a41-7c3e-9d2b-5e8f1a2b3c4d").replace("<name>", "x.txt")
                .replace("{name}", "daily_report").replace("<ref>", "raw%2Fd%3D1");
    }

    static Role weaker(Role r) {
        return switch (r) {
            case OPERATOR -> Role.VIEWER;
            case ADMIN -> Role.OPERATOR;
            case AGENT -> Role.ADMIN; // no human role opens an agent route
            default -> null;
        };
    }

    @Test
    void everyRouteEnforcesItsRole() {
        var routes = kiln.server.api().routes();
        assertThat(routes).hasSizeGreaterThan(20);
        int checked = 0;
        for (ApiServer.Route route : routes) {
            String method = route.method().name();
            String path = concrete(route.path());
            if (route.role() == Role.PUBLIC) continue;
            // head(): status only, so a stream route answering 200 does not hold the test
            var anonymous = kiln.api.withToken(null).head(method, path, "application/json", "{}");
            assertThat(anonymous.status()).as("%s %s without a token", method, path).isEqualTo(401);
            assertThat(anonymous.contentType()).startsWith("application/problem+json");
            var forged = kiln.api.withToken("kiln_forged").head(method, path, "application/json", "{}");
            assertThat(forged.status()).as("%s %s with a forged token", method, path).isEqualTo(401);
            Role weak = weaker(route.role());
            if (weak != null) {
                var tooWeak = as.get(weak).head(method, path, "application/json", "{}");
                assertThat(tooWeak.status()).as("%s %s as %s", method, path, weak).isEqualTo(403);
            }
            var right = as.get(route.role()).head(method, path, "application/json", "{}");
            assertThat(right.status()).as("%s %s as %s", method, path, route.role()).isNotIn(401, 403);
            checked++;
        }
        assertThat(checked).isGreaterThan(15);
    }

    @Test
    void publicRoutesAndTheSessionCookie() {
        Api anonymous = kiln.api.withToken(null);
        assertThat(anonymous.get("/health/live").status()).isEqualTo(200);
        assertThat(anonymous.get("/").status()).isEqualTo(200);
        var bad = anonymous.post("/api/v1/session", Map.of("token", "kiln_nope"));
        assertThat(bad.status()).isEqualTo(401);
        var missing = anonymous.post("/api/v1/session", Map.of());
        assertThat(missing.status()).isEqualTo(400);
        var agent = anonymous.post("/api/v1/session", Map.of("token", as.get(Role.AGENT).token()));
        assertThat(agent.status()).isEqualTo(403);

        var http = java.net.http.HttpClient.newBuilder().cookieHandler(new java.net.CookieManager()).build();
        try {
            var signIn = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(kiln.server.baseUrl() + "/api/v1/session"))
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"token\":\"" + as.get(Role.VIEWER).token() + "\"}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(signIn.statusCode()).isEqualTo(204);
            String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(cookie).contains("kiln_session=").contains("HttpOnly").containsIgnoringCase("SameSite=Strict");
            var me = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(kiln.server.baseUrl() + "/api/v1/session")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(me.statusCode()).isEqualTo(200);
            assertThat(me.body()).contains("\"role\":\"viewer\"").contains("\"signed_in\":true");
            assertThat(anonymous.get("/api/v1/session").body()).contains("\"signed_in\":false");
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aRevokedTokenStopsWorkingAtOnce() {
        String t = kiln.api.createToken("short-lived", "viewer");
        assertThat(kiln.api.withToken(t).get("/api/v1/jobs").status()).isEqualTo(200);
        String id = kiln.api.get("/api/v1/tokens").json().get("tokens").findValues("id").stream()
                .filter(n -> true).map(n -> n.asText()).filter(i -> kiln.server.tokens().list().stream()
                        .anyMatch(r -> r.id().equals(i) && r.name().equals("short-lived"))).findFirst().orElseThrow();
        assertThat(kiln.api.send("DELETE", "/api/v1/tokens/" + id, null, null).status()).isEqualTo(204);
        assertThat(kiln.api.withToken(t).get("/api/v1/jobs").status()).isEqualTo(401);
        assertThat(kiln.api.send("DELETE", "/api/v1/tokens/nope", null, null).status()).isEqualTo(404);
        assertThat(kiln.api.get("/api/v1/tokens").body()).doesNotContain(t);
    }
}
