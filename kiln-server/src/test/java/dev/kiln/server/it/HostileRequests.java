package dev.kiln.server.it;

import dev.kiln.server.http.ApiServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Requests over every route of the route table, as bytes: odd methods, path segments, query parameters, tokens,
 * content types, encodings and bodies; WebSocket upgrades; and request heads Jetty must refuse itself.
 */
final class HostileRequests {
    enum Kind { ROUTE, UPGRADE, MALFORMED }

    /** One request: what it is (for the report), its bytes, and whether its response has a body to read. */
    record Request(Kind kind, String label, byte[] bytes, boolean readBody) {}

    private static final List<String> ODD_SEGMENTS = List.of("x", "..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "a%5Cb", "a\\b",
            "%00", "%C3%28", "%F0%9F%9A%80", "%ZZ", "%", "a%20b", "🚀", "a;b", "a?b=c", "%252e", "a".repeat(300), "-1",
            "0193f6c2-8a41-7c3e-9d2b-5e8f1a2b3c4d", "embedded", "%E2%80%AE", "a\tb");
    private static final List<String> PARAMS = List.of("limit", "after", "cursor", "status", "label", "type", "attempt",
            "kinds", "job", "after_line", "after_event", "token", "q");
    private static final List<String> PARAM_VALUES = List.of("-1", "0", "1", "abc", "1e9", "99999999999999999999", "",
            "%00", "%ZZ", "queued,running", "exploded", "arch=arm64", "a=b=c", "%F0%9F%9A%80", "..", "a".repeat(2000),
            "%C3%28", "0x10", "1.5");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD",
            "TRACE", "CONNECT", "FOO", "get", "PROPFIND");
    private static final List<String> CONTENT_TYPES = List.of("application/json", "application/json",
            "application/json; charset=utf-8", "application/json; charset=latin1", "application/json; charset=utf-16",
            "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "*/*",
            "application/problem+json", "application/json; charset=\"", "application/octet-stream");

    private final Random random;
    private final HostileBodies bodies;
    private final List<ApiServer.Route> routes;
    private final String adminToken;
    private final String agentToken;
    private final Supplier<List<String>> jobIds;

    HostileRequests(Random random, List<ApiServer.Route> routes, String adminToken, String agentToken,
                    Supplier<List<String>> jobIds) {
        this.random = random;
        this.bodies = new HostileBodies(random);
        this.routes = routes;
        this.adminToken = adminToken;
        this.agentToken = agentToken;
        this.jobIds = jobIds;
    }

    /** The {@code n}th request: every route in turn first, so each is covered, then at random. */
    Request next(int n) {
        if (n < routes.size()) return route(routes.get(n));
        int dice = random.nextInt(100);
        if (dice < 80) return route(routes.get(random.nextInt(routes.size())));
        if (dice < 90) return upgrade();
        return malformed();
    }

    private Request route(ApiServer.Route route) {
        String method = random.nextInt(8) == 0 ? bodies.pick(METHODS.toArray(String[]::new)) : route.method().name();
        String path = route.path().replace("{id}", id()).replace("<name>", bodies.pick("x.txt", "..%2F..%2Fetc%2Fpasswd", "%00", "a\\b", "dist/app.jar"))
                .replace("{name}", bodies.pick("daily_report", "%00", "..")).replace("<ref>", bodies.pick("raw%2Fd%3D1", "..%2F..", "%00", "%25%2F", "a/b"));
        if (random.nextBoolean()) path += query();
        var head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        String auth = authorization(route.role() == dev.kiln.server.core.Role.AGENT);
        if (auth != null) head.append("Authorization: ").append(auth).append("\r\n");
        if (random.nextInt(6) == 0) head.append(bodies.pick("Last-Event-ID: abc\r\n", "Last-Event-ID: -5\r\n",
                "Accept: text/html\r\n", "Accept: application/xml\r\n", "Content-Encoding: gzip\r\n",
                "Cookie: kiln_session=forged; x=\u00ff\r\n", "Origin: http://evil.example\r\n", "Expect: 100-continue\r\n",
                "Accept-Encoding: gzip, br\r\n", "X-Forwarded-For: ::1\r\n"));
        boolean hasBody = !method.equals("GET") && !method.equals("HEAD") || random.nextInt(10) == 0;
        byte[] body = hasBody ? bodies.next() : new byte[0];
        if (hasBody && random.nextInt(10) != 0) head.append("Content-Type: ").append(bodies.pick(CONTENT_TYPES.toArray(String[]::new))).append("\r\n");
        if (hasBody) head.append("Content-Length: ").append(body.length).append("\r\n");
        head.append("\r\n");
        return new Request(Kind.ROUTE, method + " " + route.path(), concat(head.toString(), body), !method.equalsIgnoreCase("HEAD"));
    }

    private Request upgrade() {
        boolean agent = random.nextInt(3) == 0;
        String path = agent ? "/api/v1/agent/ws" : "/api/v1/jobs/" + id() + "/events/ws";
        String token = bodies.pick(adminToken, adminToken, agentToken, "kiln_forged", "", null);
        if (token != null && random.nextBoolean()) path += "?token=" + token;
        if (random.nextInt(4) == 0) path += (path.contains("?") ? "&" : "?") + bodies.pick("after_line=-1", "after_event=abc", "attempt=99", "after_line=%ZZ");
        var head = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n");
        if (random.nextInt(6) != 0) head.append("Sec-WebSocket-Key: ").append(bodies.pick("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ==", "short", "")).append("\r\n");
        head.append("Sec-WebSocket-Version: ").append(bodies.pick("13", "13", "13", "8", "x")).append("\r\n");
        if (token != null && !path.contains("token=")) head.append("Authorization: Bearer ").append(token).append("\r\n");
        head.append("\r\n");
        return new Request(Kind.UPGRADE, "WS " + (agent ? "/api/v1/agent/ws" : "/api/v1/jobs/{id}/events/ws"), head.toString().getBytes(StandardCharsets.UTF_8), true);
    }

    private Request malformed() {
        String auth = "Authorization: Bearer " + adminToken + "\r\n";
        String[] heads = {
            "GARBAGE\r\n\r\n",
            "GET /health/live HTTP/9.9\r\nHost: x\r\n\r\n",
            "GET /health/live HTTP/1.1\r\nHost: x\r\n" + auth + "X-Big: " + "b".repeat(20_000) + "\r\n\r\n",
            "GET /api/v1/jobs?q=" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n",
            "GET /api/v1/jobs/%zz HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n",
            "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n\r\n",
            "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\nContent-Length: -5\r\n\r\n",
            "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            "GET /health/live HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
            "GET /health/live HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n",
            "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n b\r\n\r\n",
            "GET http://evil.example/api/v1/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth + "\r\n",
            "GET /health/live\u0000 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /health/live HTTP/1.1\r\n" + "X-Many: y\r\n".repeat(2_000) + "\r\n",
            "GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + "t".repeat(9_000) + "\r\n\r\n",
            "GET  /health/live  HTTP/1.1\r\nHost: x\r\n\r\n",
            "\r\n\r\nGET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
        };
        int which = random.nextInt(heads.length);
        return new Request(Kind.MALFORMED, "malformed #" + which, heads[which].getBytes(StandardCharsets.UTF_8), true);
    }

    private String id() {
        List<String> known = jobIds.get();
        if (!known.isEmpty() && random.nextInt(3) == 0) return known.get(random.nextInt(known.size()));
        return random.nextBoolean() ? UUID.randomUUID().toString() : bodies.pick(ODD_SEGMENTS.toArray(String[]::new));
    }

    private String query() {
        var sb = new StringBuilder("?");
        for (int i = random.nextInt(3) + 1; i > 0; i--) {
            sb.append(bodies.pick(PARAMS.toArray(String[]::new))).append('=').append(bodies.pick(PARAM_VALUES.toArray(String[]::new))).append('&');
        }
        return sb.substring(0, sb.length() - 1);
    }

    private String authorization(boolean agentRoute) {
        int dice = random.nextInt(100);
        if (dice < 75) return "Bearer " + (agentRoute && random.nextBoolean() ? agentToken : adminToken);
        if (dice < 83) return null;
        if (dice < 88) return "Bearer kiln_forged";
        if (dice < 92) return "Bearer " + agentToken;
        if (dice < 96) return "Basic YWRtaW46YWRtaW4=";
        return bodies.pick("Bearer", "Bearer ", "bearer " + adminToken, "Bearer " + adminToken + "x", "Bearer \u00ff\u00fe");
    }

    private static byte[] concat(String head, byte[] body) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(body);
        return out.toByteArray();
    }
}
