package dev.kiln.server.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Frames no agent sends, over a real WebSocket with a real agent token: garbage, wrong types, messages before hello,
 * huge frames, binary frames. A hello that names an agent is never sent: the fuzzer must not join the fleet.
 */
final class HostileAgentFrames {
    private static final List<String> FRAMES = List.of("garbage", "{", "[]", "null", "42", "\"hello\"", "{}",
            "{\"type\": \"nope\"}", "{\"type\": null}", "{\"type\": 7}", "{\"type\": [\"hello\"]}",
            "{\"type\": \"hello\"}", "{\"type\": \"hello\", \"agent_id\": null}", "{\"type\": \"hello\", \"agent_id\": \"\"}",
            "{\"type\": \"hello\", \"agent_id\": []}", "{\"type\": \"hello\", \"agent_id\": {}}",
            "{\"type\": \"heartbeat\"}", "{\"type\": \"log\", \"job_id\": \"x\", \"seq\": -1, \"lines\": null}",
            "{\"type\": \"job.finished\", \"job_id\": null, \"exit_code\": \"zero\"}",
            "{\"type\": \"job.started\", \"job_id\": \"0193f6c2-8a41-7c3e-9d2b-5e8f1a2b3c4d\"}",
            "{\"type\": \"job.output\", \"job_id\": 1, \"outputs\": []}", "{\"type\": \"job.event\"}",
            "{\"type\": \"hello\", \"type\": \"log\"}", "{\"type\": \"heartbeat\"} trailing", "\uFEFF{\"type\": \"heartbeat\"}");

    record Outcome(int connections, int frames, int refusedUpgrades) {}

    private final Random random;
    private final URI uri;
    private final String token;

    HostileAgentFrames(Random random, String baseUrl, String agentToken) {
        this.random = random;
        this.uri = URI.create(baseUrl.replaceFirst("^http", "ws") + "/api/v1/agent/ws");
        this.token = agentToken;
    }

    Outcome run(int connections) throws Exception {
        int frames = 0, refused = 0;
        HttpClient client = HttpClient.newHttpClient();
        for (int c = 0; c < connections; c++) {
            var closed = new CompletableFuture<Integer>();
            WebSocket ws;
            try {
                ws = client.newWebSocketBuilder().header("Authorization", "Bearer " + token)
                        .connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, new Listener(closed)).get(15, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                refused++;
                continue;
            }
            for (int f = random.nextInt(5) + 1; f > 0 && !closed.isDone(); f--) {
                frames++;
                try {
                    send(ws).get(15, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    break; // the server closed on us: that is its right
                }
            }
            if (random.nextBoolean()) ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
            else ws.abort();
            closed.completeOnTimeout(-1, 15, TimeUnit.SECONDS);
        }
        return new Outcome(connections, frames, refused);
    }

    private CompletableFuture<WebSocket> send(WebSocket ws) {
        return switch (random.nextInt(10)) {
            case 0 -> ws.sendText("{\"type\": \"log\", \"text\": \"" + "z".repeat(random.nextBoolean() ? 2_000_000 : 200_000) + "\"}", true);
            case 1 -> ws.sendBinary(ByteBuffer.wrap(new byte[] {0, (byte) 0xff, 1, 2}), true);
            case 2 -> ws.sendText("[".repeat(5_000) + "]".repeat(5_000), true);
            default -> ws.sendText(FRAMES.get(random.nextInt(FRAMES.size())), true);
        };
    }

    private record Listener(CompletableFuture<Integer> closed) implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(-1);
        }
    }
}
