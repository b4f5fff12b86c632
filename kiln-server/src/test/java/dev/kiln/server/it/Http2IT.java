package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.events.Event;
import dev.kiln.server.http.TlsConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 on both ports: h2c (upgrade from HTTP/1.1) on the plain one, h2 by ALPN on the TLS one, with a keystore made
 * by keytool for the test. Streams run over it, several on one connection.
 */
class Http2IT {
    @TempDir
    Path dir;

    @Test
    void thePlainPortSpeaksH2cAndStreamsShareTheConnection() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1, c -> c)) {
            var client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            var health = client.send(get(kiln.server.baseUrl() + "/health/live", null), HttpResponse.BodyHandlers.ofString());
            assertThat(health.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(health.statusCode()).isEqualTo(200);
            streamOverHttp2(kiln, client, kiln.server.baseUrl());
        }
    }

    @Test
    void theTlsPortSpeaksH2ByAlpnAndHttp11ToClientsWithoutIt() throws Exception {
        var keystore = TestKeystore.create(dir);
        var tls = new TlsConfig(keystore.file(), keystore.password(), 0);
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1, c -> c.withTls(tls))) {
            String base = "https://localhost:" + kiln.server.tlsPort();
            var ssl = keystore.trustingIt();
            var h2 = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_2).build();
            var health = h2.send(get(base + "/health/live", null), HttpResponse.BodyHandlers.ofString());
            assertThat(health.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(health.statusCode()).isEqualTo(200);
            streamOverHttp2(kiln, h2, base);

            var h1 = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();
            var old = h1.send(get(base + "/health/live", null), HttpResponse.BodyHandlers.ofString());
            assertThat(old.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(old.statusCode()).isEqualTo(200);
            // the plain port still serves (the embedded agent uses it over loopback)
            assertThat(kiln.api.get("/health/live").status()).isEqualTo(200);
        }
    }

    @Test
    void aWrongKeystorePasswordIsRefusedSayingWhich() throws Exception {
        Path keystore = TestKeystore.create(dir).file();
        assertThatThrownBy(() -> new TlsConfig(keystore, "not-the-password", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot open the TLS keystore " + keystore);
        assertThatThrownBy(() -> new TlsConfig(dir.resolve("missing.p12"), "any", 0))
                .hasMessageContaining("cannot read the TLS keystore");
    }

    /** Two SSE streams and a request at once, all HTTP/2 on one client; a live event reaches both streams. */
    private static void streamOverHttp2(KilnTestServer kiln, HttpClient client, String base) throws Exception {
        String url = base + "/api/v1/stream?kinds=h2.";
        var a = client.send(get(url, kiln.api.token()), HttpResponse.BodyHandlers.ofInputStream());
        var b = client.send(get(url, kiln.api.token()), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(a.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(b.version()).isEqualTo(HttpClient.Version.HTTP_2);
        try (var readerA = reader(a.body()); var readerB = reader(b.body())) {
            assertThat(nextEvent(readerA)).isEqualTo("ready");
            assertThat(nextEvent(readerB)).isEqualTo("ready");
            var jobs = client.send(get(base + "/api/v1/jobs", kiln.api.token()), HttpResponse.BodyHandlers.ofString());
            assertThat(jobs.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(jobs.statusCode()).isEqualTo(200);
            kiln.server.store().write(tx -> tx.appendEvent(Event.draft(null, "h2.live", Map.of()))).get(10, TimeUnit.SECONDS);
            assertThat(nextEvent(readerA)).isEqualTo("h2.live");
            assertThat(nextEvent(readerB)).isEqualTo("h2.live");
        }
    }

    private static HttpRequest get(String url, String token) {
        var b = HttpRequest.newBuilder(URI.create(url));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b.build();
    }

    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The name of the next SSE event (comments and data skipped). */
    private static String nextEvent(BufferedReader in) throws Exception {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("event: ")) return line.substring(7);
        }
        return null;
    }
}
