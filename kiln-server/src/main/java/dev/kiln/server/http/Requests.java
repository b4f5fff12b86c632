package dev.kiln.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** Reading what clients send, with limits and messages that say what to fix. */
final class Requests {
    static final int MAX_BODY_BYTES = 1024 * 1024;

    private Requests() {}

    /** The body as JSON: it must say it is JSON, fit in {@value #MAX_BODY_BYTES} bytes and parse. */
    static JsonNode jsonBody(Context ctx, ObjectMapper mapper) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase().startsWith("application/json")) {
            throw new ApiException(415, "Unsupported media type",
                    "send the body as JSON with the header 'Content-Type: application/json' (got "
                            + (type == null ? "no Content-Type" : "'" + type + "'") + ")");
        }
        byte[] body = bytes(ctx, "send a JSON object");
        try {
            JsonNode node = mapper.readTree(body);
            if (node == null || node.isMissingNode()) throw ApiException.badRequest("the request body is empty; send a JSON object");
            return node;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw ApiException.badRequest("the body is not valid JSON" + (loc == null ? "" : " (line " + loc.getLineNr()
                    + ", column " + loc.getColumnNr() + ")") + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("could not read the request body: " + e.getMessage());
        }
    }

    /**
     * The body as text, for uploads of a file's content: the Content-Type must be one of {@code types} (any charset
     * parameter is ignored: the text is UTF-8), within the size limit, valid UTF-8 and not empty.
     */
    static String textBody(Context ctx, List<String> types, String what) {
        String type = ctx.contentType();
        String bare = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!types.contains(bare)) {
            throw new ApiException(415, "Unsupported media type", "send " + what + " with the header 'Content-Type: "
                    + types.get(0) + "' (or " + String.join(", ", types.subList(1, types.size())) + "; got "
                    + (type == null ? "no Content-Type" : "'" + type + "'") + ")");
        }
        byte[] body = bytes(ctx, "send " + what);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("the body is not valid UTF-8 text; send " + what + " as UTF-8");
        }
    }

    /** The body's bytes, within {@value #MAX_BODY_BYTES} and not empty. */
    private static byte[] bytes(Context ctx, String whatToSend) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > MAX_BODY_BYTES) throw tooLarge(declared);
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw ApiException.badRequest("could not read the request body: " + e.getMessage());
        }
        if (body.length > MAX_BODY_BYTES) throw tooLarge(-1);
        if (body.length == 0) throw ApiException.badRequest("the request body is empty; " + whatToSend);
        return body;
    }

    private static ApiException tooLarge(long declared) {
        return new ApiException(413, "Content too large", "the body is larger than " + MAX_BODY_BYTES + " bytes"
                + (declared > 0 ? " (" + declared + " bytes)" : "") + "; put large inputs in the repository instead");
    }

    static long longParam(Context ctx, String name, long dflt, long min, long max) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) return dflt;
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) throw ApiException.badRequest("query parameter '" + name + "' must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("query parameter '" + name + "' must be a whole number, not '" + abbreviate(v) + "'");
        }
    }

    static boolean booleanParam(Context ctx, String name, boolean dflt) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) return dflt;
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.badRequest("query parameter '" + name + "' must be true or false, not '" + abbreviate(v) + "'");
        };
    }

    static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
