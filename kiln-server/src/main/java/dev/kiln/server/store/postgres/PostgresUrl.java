package dev.kiln.server.store.postgres;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * A database address as {@code kiln server --database} (or {@code KILN_DATABASE}) takes it, in libpq's URL form
 * {@code postgresql://user:password@host:5432/kiln?sslmode=require} (characters such as {@code @ : /} in the password
 * percent-encoded), and the JDBC URL, user and password it stands for. {@link #toString} never shows the password.
 */
public record PostgresUrl(String host, int port, String database, String user, String password, String query) {
    private static final String FORM = "postgresql://user:password@host:5432/database";

    /** Reads {@code url}; an address not of that form is an {@link IllegalArgumentException} saying what to fix. */
    public static PostgresUrl parse(String url) {
        String text = url.strip();
        if (text.startsWith("jdbc:")) text = text.substring("jdbc:".length());
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw bad("it is not a URL (" + e.getReason() + "; percent-encode special characters of the password)");
        }
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
            throw bad("Kiln stores in SQLite in the data dir (no --database) or in PostgreSQL (a postgresql:// URL)");
        }
        if (uri.getHost() == null) throw bad("it names no host");
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (path.length() < 2 || path.indexOf('/', 1) >= 0) throw bad("it names no database (the path after the port)");
        String user = null;
        String password = null;
        if (uri.getUserInfo() != null) {
            // decoded by URI: a percent-encoded ':' of the password is read from the raw form
            String raw = uri.getRawUserInfo();
            int colon = raw.indexOf(':');
            user = decode(colon < 0 ? raw : raw.substring(0, colon));
            password = colon < 0 ? null : decode(raw.substring(colon + 1));
        }
        return new PostgresUrl(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), path.substring(1), user,
                password, uri.getRawQuery());
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException bad(String why) {
        return new IllegalArgumentException("--database (or KILN_DATABASE) must look like " + FORM + ": " + why);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + (query == null ? "" : "?" + query);
    }

    /** The user and password for the driver (either may be absent). */
    public java.util.Properties properties() {
        var properties = new java.util.Properties();
        if (user != null) properties.setProperty("user", user);
        if (password != null) properties.setProperty("password", password);
        return properties;
    }

    /** host:port/database as user, for messages. */
    @Override
    public String toString() {
        return host + ":" + port + "/" + database + (user == null ? "" : " as user " + user);
    }
}
