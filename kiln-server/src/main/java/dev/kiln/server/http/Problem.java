package dev.kiln.server.http;

import java.util.List;

/**
 * An RFC 9457 problem detail: what went wrong and what to do about it. {@code errors} lists what to fix, one entry
 * per field ({@code {field, message}}; a file's problems also carry {@code line} and {@code column}).
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance,
                      List<?> errors) {

    public static final String CONTENT_TYPE = "application/problem+json";

    public static Problem of(int status, String title, String detail) {
        return new Problem("about:blank", title, status, detail, null, null);
    }
}
