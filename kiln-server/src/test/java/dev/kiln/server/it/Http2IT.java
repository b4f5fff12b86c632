package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.events.Event;
import dev.kiln.server.http.TlsConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
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
 * HTTP/2 on both ports: h2c by prior knowledge on the plain one, h2 by ALPN on the TLS one, with a keystore made by
 * keytool for the test. Streams run over it, several on one connection.
 */
class Http2IT {
    @TempDir
    Path dir;

    @Test
    void thePlainPortSpeaksH2cByPriorKnowledgeAndAnswersAnUpgradeRequestOverHttp11() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1, c -> c);
             var socket = new Socket("127.0.0.1", kiln.server.port())) {
            // the HTTP/2 preface, an empty SETTINGS frame, and GET /health/live as one HEADERS frame (HPACK literals)
            var out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(frame(0x4, 0, 0, new byte[0]));
            var headers = new java.io.ByteArrayOutputStream();
            headers.write(0x82); // :method GET
            headers.write(0x86); // :scheme http
            literal(headers, 0x04, "/health/live"); // :path
            literal(headers, 0x01, "127.0.0.1:" + kiln.server.port()); // :authority
            out.write(frame(0x1, 0x5, 1, headers.toByteArray())); // END_STREAM | END_HEADERS, stream 1
            out.flush();
            var in = new java.io.DataInputStream(socket.getInputStream());
            byte[] response = null;
            while (response == null) {
                int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                in.readUnsignedByte(); // flags
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                if (type == 0x1 && stream == 1) response = payload;
            }
            int i = 0;
            if ((response[0] & 0xe0) == 0x20) { // a dynamic table size update first: skip it (5-bit prefix integer)
                if ((response[i++] & 0x1f) == 0x1f) while ((response[i++] & 0x80) != 0) { }
            }
            assertThat(response[i] & 0xff).as(":status 200 (static table entry 8)").isEqualTo(0x88);
        }
        // Java's HttpClient asks for Upgrade: h2c on its own; that is declined (see Connectors): HTTP/1.1, as before
        try (var kiln = KilnTestServer.start(dir.resolve("data2"), 1, c -> c)) {
            var client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            var health = client.send(get(kiln.server.baseUrl() + "/health/live", null), HttpResponse.BodyHandlers.ofString());
            assertThat(health.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(health.statusCode()).isEqualTo(200);
        }
    }

    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        var b = java.nio.ByteBuffer.allocate(9 + payload.length);
        b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
        return b.array();
    }

    /** A header field literal without indexing, its name from the static table, its value plain (no Huffman). */
    private static void literal(java.io.ByteArrayOutputStream out, int nameIndex, String value) {
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        out.write(nameIndex);
        out.write(v.length); // < 127
        out.write(v, 0, v.length);
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
