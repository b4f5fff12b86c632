package dev.kiln.server.it;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/** Request bodies a hostile or broken client sends: wrong types, nulls, huge, deep, invalid UTF-8, duplicated, trailing. */
final class HostileBodies {
    static final List<String> FIELDS = List.of("name", "type", "command", "source_repository", "branch", "commit_hash",
            "target_architecture", "server_id", "labels", "env", "secrets", "priority", "timeout_seconds",
            "cancel_grace_seconds", "retry", "artifacts", "service", "role", "token", "limit", "on", "backoff_seconds");
    /** Commands a fuzzed job may really run: each ends at once or on SIGTERM. */
    static final List<String> SAFE_COMMANDS = List.of("true", "echo fuzz", "exit 3", "sleep 120", "printf '\\xff\\xfe\\n'");

    private final Random random;

    HostileBodies(Random random) {
        this.random = random;
    }

    byte[] next() {
        return switch (random.nextInt(14)) {
            case 0 -> utf8(mutatedSpec());
            case 1 -> utf8(mutatedSpec());
            case 2 -> utf8(mutatedSpec());
            case 3 -> utf8("{\"" + field() + "\": " + value(3) + "}");
            case 4 -> utf8(value(4));
            case 5 -> utf8("{\"command\": \"" + "x".repeat(random.nextBoolean() ? 300_000 : 1_100_000) + "\"}");
            case 6 -> utf8(deep());
            case 7 -> invalidUtf8();
            case 8 -> utf8("{\"command\": \"true\", \"" + field() + "\": 1, \"" + field() + "\": 2, \"command\": \"x\"}");
            case 9 -> utf8(mutatedSpec() + pick("xyz", "}", "{}", ",", "\u0000", " null", "]"));
            case 10 -> utf8(pick("", " ", "null", "\"\"", "[]", "{}", "0", "{\"command\": }", "{", "\uFEFF{\"command\": \"true\"}"));
            case 11 -> "{\"command\": \"true\"}".getBytes(StandardCharsets.UTF_16);
            case 12 -> utf8("{\"command\": \"true\", \"priority\": " + "9".repeat(random.nextInt(2000) + 1) + "}");
            default -> utf8("{\"command\": \"true\", \"env\": {" + "\"K\": \"v\", ".repeat(random.nextInt(300)) + "\"Z\": \"\\ud800\"}}");
        };
    }

    /** A mostly valid job whose fields get hostile values. */
    String mutatedSpec() {
        var sb = new StringBuilder("{\"command\": ");
        sb.append(random.nextInt(8) == 0 ? value(2) : "\"" + pick(SAFE_COMMANDS.toArray(String[]::new)) + "\"");
        for (int i = random.nextInt(4); i > 0; i--) sb.append(", \"").append(field()).append("\": ").append(value(2));
        return sb.append('}').toString();
    }

    String field() {
        return random.nextInt(10) == 0 ? pick("", "\u0000", "é", "a".repeat(500), "command ", "__proto__") : FIELDS.get(random.nextInt(FIELDS.size()));
    }

    /** A JSON value of any type, nested at most {@code depth} deep. */
    String value(int depth) {
        int kind = random.nextInt(depth > 0 ? 16 : 12);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> pick("true", "false");
            case 2 -> pick("0", "-1", "1", "1.5", "-0", "1e400", "-1e400", "99999999999999999999999", "2147483648", "1000", "-1000", "1001");
            case 3 -> "\"" + pick("", " ", "x", "HEAD", "main", "x86_64", "auto", "--upload-pack=x", "../..", "a\\u0000b",
                    "\\ud800", "\\udc00x", "🚀", "\\u202e", "admin", "viewer", "agent", "failure", "a=b", "\\n\\r\\t") + "\"";
            case 4 -> "\"" + "y".repeat(random.nextInt(70_000)) + "\"";
            case 5 -> "\"" + randomAscii(random.nextInt(40)) + "\"";
            case 6 -> pick("NaN", "Infinity", "'single'", "undefined", "0x10", "01");
            case 7 -> "{}";
            case 8 -> "[]";
            case 9 -> "[null]";
            case 10 -> "{\"A\": null}";
            case 11 -> "{\"limit\": " + pick("null", "2", "-1", "\"2\"") + ", \"on\": " + pick("null", "[\"failure\"]", "[0]", "[256]", "\"failure\"", "[null]") + "}";
            case 12 -> "[" + value(depth - 1) + ", " + value(depth - 1) + "]";
            case 13 -> "{\"" + pick("A", "1BAD", "k.e/y", "", "a b") + "\": " + value(depth - 1) + "}";
            case 14 -> "{\"A\": " + value(depth - 1) + ", \"A\": " + value(depth - 1) + "}";
            default -> "[" + value(depth - 1) + "]";
        };
    }

    private String deep() {
        int depth = pick(500, 1_500, 20_000);
        return random.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                : "{\"command\": \"true\", \"env\": " + "{\"a\": ".repeat(depth) + "1" + "}".repeat(depth + 1);
    }

    private byte[] invalidUtf8() {
        var out = new ByteArrayOutputStream();
        out.writeBytes(utf8("{\"command\": \"echo "));
        byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE2, (byte) 0x82}};
        out.writeBytes(bad[random.nextInt(bad.length)]);
        out.writeBytes(utf8("\", \"" + field() + "\": \"" + "\"}"));
        return out.toByteArray();
    }

    String randomAscii(int length) {
        var sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            char c = (char) (32 + random.nextInt(95));
            sb.append(c == '"' || c == '\\' ? '_' : c);
        }
        return sb.toString();
    }

    @SafeVarargs
    final <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
