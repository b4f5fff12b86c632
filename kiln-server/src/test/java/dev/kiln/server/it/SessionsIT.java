package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.fleet.FleetRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signing in to the dashboard: one-time codes, session cookies that never hold a token, listing and revoking. */
class SessionsIT {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static Api admin;
    static String base;

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 1);
        admin = kiln.api;
        base = kiln.server.baseUrl();
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    @Test
    void theFirstStartsCodeSignsInOnceAndTheCookieHoldsASessionNotTheToken() {
        var code = kiln.server.firstSignInCode();
        assertThat(code).isNotNull();
        assertThat(code.code()).doesNotContain(admin.token());
        assertThat(code.expiresAt()).isBefore(Instant.now().plus(Duration.ofMinutes(16)));

        var signIn = BrowserSession.signInWithCode(base, code.code());
        assertThat(signIn.status()).as(signIn.body()).isEqualTo(204);
        assertThat(signIn.setCookie()).startsWith("kiln_session=").contains("HttpOnly").containsIgnoringCase("SameSite=Strict")
                .contains("Max-Age=" + Duration.ofDays(30).toSeconds()).doesNotContain("Secure");
        assertThat(signIn.cookie()).isNotEqualTo(admin.token()).doesNotStartWith("kiln_");
        JsonNode me = BrowserSession.call(base, "GET", "/api/v1/session", signIn.cookie()).json();
        assertThat(me.get("signed_in").asBoolean()).isTrue();
        assertThat(me.get("role").asText()).isEqualTo("admin");
        assertThat(BrowserSession.call(base, "GET", "/api/v1/jobs", signIn.cookie()).status()).isEqualTo(200);

        var again = BrowserSession.signInWithCode(base, code.code());
        assertThat(again.status()).as("a code works once").isEqualTo(401);
        assertThat(again.body()).contains("kiln login-url");
    }

    @Test
    void anAdminAsksForAFreshCodeAndAnExpiredCodeDoesNotSignIn() throws Exception {
        var fresh = admin.post("/api/v1/sign-in-codes", Map.of());
        assertThat(fresh.status()).isEqualTo(201);
        assertThat(fresh.json().get("path").asText()).startsWith("/login#code=");
        assertThat(BrowserSession.signInWithCode(base, fresh.json().get("code").asText()).status()).isEqualTo(204);
        String viewer = admin.createToken("code-viewer", "viewer");
        assertThat(admin.withToken(viewer).post("/api/v1/sign-in-codes", Map.of()).status()).isEqualTo(403);

        String stale = "kcode_stale-" + System.nanoTime();
        String adminId = kiln.server.tokens().verify(admin.token()).orElseThrow().tokenId();
        String staleHash = sha256(stale);
        Instant sixteenMinutesAgo = Instant.now().minus(Duration.ofMinutes(16));
        kiln.server.store().write(tx -> {
            tx.insertSignInCode(staleHash, adminId, sixteenMinutesAgo, sixteenMinutesAgo.plus(Duration.ofMinutes(15)));
            return null;
        }).join();
        assertThat(BrowserSession.signInWithCode(base, stale).status()).isEqualTo(401);
    }

    @Test
    void sessionsAreListedByWhoMayManageThemAndRevokingOrSigningOutEndsThem() {
        var a = BrowserSession.signInWithToken(base, admin.token()).cookie();
        var b = BrowserSession.signInWithToken(base, admin.token()).cookie();
        String viewerToken = admin.createToken("list-viewer", "viewer");
        var v = BrowserSession.signInWithToken(base, viewerToken).cookie();

        JsonNode all = BrowserSession.call(base, "GET", "/api/v1/sessions", a).json().get("sessions");
        assertThat(all).hasSizeGreaterThanOrEqualTo(3);
        assertThat(all.toString()).doesNotContain(a).doesNotContain(b).doesNotContain(admin.token());
        assertThat(StreamSupport.stream(all.spliterator(), false).filter(s -> s.get("current").asBoolean())).hasSize(1);
        JsonNode own = BrowserSession.call(base, "GET", "/api/v1/sessions", v).json().get("sessions");
        assertThat(own).hasSize(1);
        assertThat(own.get(0).get("token_name").asText()).isEqualTo("list-viewer");
        assertThat(own.get(0).get("expires_at").asText()).isNotBlank();

        String bId = sessionIdOf(b);
        assertThat(BrowserSession.call(base, "DELETE", "/api/v1/sessions/" + bId, v).status())
                .as("a viewer may not end an admin's session").isEqualTo(404);
        assertThat(BrowserSession.call(base, "DELETE", "/api/v1/sessions/" + bId, a).status()).isEqualTo(204);
        assertThat(BrowserSession.call(base, "GET", "/api/v1/jobs", b).status()).isEqualTo(401);

        assertThat(BrowserSession.call(base, "DELETE", "/api/v1/session", a).status()).isEqualTo(204);
        assertThat(BrowserSession.call(base, "GET", "/api/v1/jobs", a).status()).as("signed out: the cookie is dead").isEqualTo(401);
        assertThat(BrowserSession.call(base, "GET", "/api/v1/jobs", v).status()).isEqualTo(200);
    }

    @Test
    void revokingTheTokenEndsTheSessionsActingAsIt() {
        JsonNode token = admin.post("/api/v1/tokens", Map.of("name", "soon-revoked", "role", "operator")).json();
        var cookie = BrowserSession.signInWithToken(base, token.get("token").asText()).cookie();
        assertThat(BrowserSession.call(base, "GET", "/api/v1/jobs", cookie).status()).isEqualTo(200);
        assertThat(admin.send("DELETE", "/api/v1/tokens/" + token.get("id").asText(), null, null).status()).isEqualTo(204);
        assertThat(BrowserSession.call(base, "GET", "/api/v1/jobs", cookie).status()).isEqualTo(401);
        assertThat(admin.get("/api/v1/sessions").body()).doesNotContain(token.get("id").asText());
    }

    @Test
    void theCookieIsSecureWhenTheBrowserCameOverTls() {
        var signIn = BrowserSession.signIn(base, "{\"token\": \"" + admin.token() + "\"}", "X-Forwarded-Proto", "https");
        assertThat(signIn.setCookie()).contains("Secure");
    }

    @Test
    void aSessionLastsTheConfiguredTimeAndOutlivesARestart(@TempDir Path data) {
        var config = new ServerConfig(data, "127.0.0.1", 0, false, "embedded", 0, Map.of(),
                new FleetRegistry.Timing(Duration.ofSeconds(3), Duration.ofSeconds(6)), true).withSessionLifetime(Duration.ofDays(2));
        String cookie;
        try (var first = KilnServer.start(config, null)) {
            var signIn = BrowserSession.signInWithToken(first.baseUrl(), first.adminToken());
            assertThat(signIn.setCookie()).contains("Max-Age=" + Duration.ofDays(2).toSeconds());
            cookie = signIn.cookie();
        }
        try (var second = KilnServer.start(config, null)) {
            assertThat(second.firstSignInCode()).as("not a first start").isNull();
            assertThat(BrowserSession.call(second.baseUrl(), "GET", "/api/v1/jobs", cookie).status()).isEqualTo(200);
        }
    }

    private static String sessionIdOf(String cookie) {
        JsonNode sessions = BrowserSession.call(base, "GET", "/api/v1/sessions", cookie).json().get("sessions");
        for (JsonNode s : sessions) if (s.get("current").asBoolean()) return s.get("id").asText();
        throw new AssertionError("no current session in " + sessions);
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
