package dev.kiln.server.http;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.time.Duration;

/**
 * The session cookie, in one place: a random session secret (never a token), HttpOnly, SameSite=Strict, Secure when
 * the browser reached us over TLS (directly or through a proxy that says {@code X-Forwarded-Proto: https}), and a
 * Max-Age so the session outlives a browser restart.
 */
final class SessionCookie {
    static final String NAME = "kiln_session";

    private SessionCookie() {}

    static void set(Context ctx, String secret, Duration lifetime) {
        ctx.cookie(cookie(ctx, secret, (int) Math.min(Integer.MAX_VALUE, lifetime.toSeconds())));
    }

    static void clear(Context ctx) {
        ctx.cookie(cookie(ctx, "", 0));
    }

    private static Cookie cookie(Context ctx, String value, int maxAgeSeconds) {
        return new Cookie(NAME, value, "/", maxAgeSeconds, overTls(ctx), 0, true, null, null, SameSite.STRICT);
    }

    private static boolean overTls(Context ctx) {
        return "https".equalsIgnoreCase(ctx.scheme()) || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
    }
}
