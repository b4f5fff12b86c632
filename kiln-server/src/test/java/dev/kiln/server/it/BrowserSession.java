package dev.kiln.server.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** What a browser does with the session cookie, over real sockets: sign in, call the API with the cookie, sign out. */
final class BrowserSession {
    static final String COOKIE = "kiln_session";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The answer to a sign-in: its status and the Set-Cookie header (null when none). */
    record SignIn(int status, String setCookie, String body) {
        /** The cookie's value, as the browser would send it back. */
        String cookie() {
            String pair = setCookie.split(";", 2)[0];
            return pair.substring(pair.indexOf('=') + 1);
        }
    }

    static SignIn signIn(String base, String json, String... headers) {
        var b = HttpRequest.newBuilder(URI.create(base + "/api/v1/session")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (headers.length > 0) b.headers(headers);
        HttpResponse<String> r = send(b.build());
        return new SignIn(r.statusCode(), r.headers().firstValue("Set-Cookie").orElse(null), r.body());
    }

    static SignIn signInWithCode(String base, String code) {
        return signIn(base, "{\"code\": \"" + code + "\"}");
    }

    static SignIn signInWithToken(String base, String token) {
        return signIn(base, "{\"token\": \"" + token + "\"}");
    }

    /** A call made with the session cookie only (no token). */
    static Api.Response call(String base, String method, String path, String cookie) {
        var b = HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.noBody());
        if (cookie != null) b.header("Cookie", COOKIE + "=" + cookie);
        HttpResponse<String> r = send(b.build());
        return new Api.Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    /**
     * Opens an SSE stream with the given request headers and reads it on another thread; the future completes when
     * the server ends the stream. Returns once the server answered 200.
     */
    static CompletableFuture<Void> openStream(String url, String... headers) {
        var b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
        if (headers.length > 0) b.headers(headers);
        HttpResponse<InputStream> r;
        try {
            r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (r.statusCode() != 200) throw new AssertionError("stream " + url + " answered " + r.statusCode());
        return CompletableFuture.runAsync(() -> {
            try (InputStream in = r.body()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // a reset connection ends the stream too
            }
        });
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
