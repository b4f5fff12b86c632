package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.agent.TinyWebSocketServer.Received;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.Json;
import dev.kiln.protocol.ServerMessage;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerLinkTest {
    @TempDir
    Path dir;
    TinyWebSocketServer server;
    ServerLink link;
    final AtomicInteger greetings = new AtomicInteger();
    final AtomicInteger disconnects = new AtomicInteger();
    final List<ServerMessage> handled = new CopyOnWriteArrayList<>();
    final List<String> refusals = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = new TinyWebSocketServer();
        var config = new AgentConfig(server.uri(), "t0ken", "link-test", Map.of(), 1, dir, "test", Duration.ofMillis(20));
        link = new ServerLink(config, () -> List.<AgentMessage>of(heartbeat(-greetings.incrementAndGet())).iterator(),
                handled::add, disconnects::incrementAndGet, refusals::add);
    }

    @AfterEach
    void stop() throws Exception {
        link.close();
        server.close();
    }

    /** A message told apart by its {@code active}: negative for greetings, positive for the outbox. */
    static AgentMessage heartbeat(int n) {
        return new AgentMessage.Heartbeat(0, 0, 0, n, false);
    }

    Received next() throws InterruptedException {
        Received r = server.received.poll(30, TimeUnit.SECONDS);
        assertThat(r).as("a message within 30 s").isNotNull();
        return r;
    }

    int active(Received r) throws Exception {
        return ((AgentMessage.Heartbeat) Json.MAPPER.readValue(r.text(), AgentMessage.class)).active();
    }

    @Test
    void everyConnectionStartsWithTheGreetingThenTheOutboxInOrder() throws Exception {
        link.send(heartbeat(1)); // queued while there is no connection
        link.send(heartbeat(2));
        link.start();
        var got = new ArrayList<Integer>();
        for (int i = 0; i < 3; i++) got.add(active(next()));
        assertThat(got).containsExactly(-1, 1, 2);
        link.send(heartbeat(3));
        assertThat(active(next())).isEqualTo(3);
        assertThat(link.connected()).isTrue();
    }

    @Test
    void aJobsThreadSendsWhatItQueuedItselfInOrder() throws Exception {
        link.start();
        assertThat(active(next())).isEqualTo(-1);
        await().atMost(Duration.ofSeconds(30)).until(link::connected);
        // queue() wakes nobody: only this thread's sendQueued() sends them (the sender thread stays parked)
        link.queue(heartbeat(1));
        link.send(heartbeat(2));
        link.queue(heartbeat(3));
        link.sendQueued();
        var got = new ArrayList<Integer>();
        for (int i = 0; i < 3; i++) got.add(active(next()));
        assertThat(got).containsExactly(1, 2, 3);
    }

    @Test
    void whatAJobQueuedWithoutAConnectionGoesOutAfterTheNextGreeting() throws Exception {
        link.queue(heartbeat(1));
        link.sendQueued(); // no connection yet: it waits in the outbox
        link.start();
        var got = new ArrayList<Integer>();
        for (int i = 0; i < 2; i++) got.add(active(next()));
        assertThat(got).containsExactly(-1, 1);
    }

    @Test
    void aDroppedConnectionIsReconnectedAndGreetedAgain() throws Exception {
        link.start();
        Received first = next();
        assertThat(first.connection()).isEqualTo(1);
        Socket s1 = server.connections.take();

        s1.close(); // the server dies under the agent
        Received again = next();
        assertThat(again.connection()).isEqualTo(2);
        assertThat(active(again)).isEqualTo(-2);
        assertThat(disconnects.get()).isEqualTo(1);

        link.send(heartbeat(7));
        Received after = next();
        assertThat(after.connection()).isEqualTo(2);
        assertThat(active(after)).isEqualTo(7);
    }

    @Test
    void serverMessagesReachTheHandlerAndUnknownOnesAreSkipped() throws Exception {
        link.start();
        next();
        Socket s = server.connections.take();
        TinyWebSocketServer.sendText(s, "{\"type\":\"something.new\"}");
        TinyWebSocketServer.sendText(s, "{\"type\":\"ack\",\"job_id\":\"j\",\"attempt\":1,\"seq\":4}");
        await().atMost(Duration.ofSeconds(30)).until(() -> !handled.isEmpty());
        assertThat(handled).containsExactly(new ServerMessage.Ack("j", 1, 4));
    }

    @Test
    void closeSaysGoodbyeAndStopsReconnecting() throws Exception {
        link.start();
        next();
        link.close();
        assertThat(link.connected()).isFalse();
        link.send(heartbeat(9)); // after close: dropped, no new connection
        assertThat(server.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(server.connections).hasSize(1);
    }

    @Test
    void aRefusalStopsTheLinkInsteadOfReconnectingForever() throws Exception {
        link.start();
        next();
        Socket s = server.connections.take();
        TinyWebSocketServer.sendClose(s, 4403, "token 'ci' may not connect as agent a-1");
        await().atMost(Duration.ofSeconds(30)).until(() -> !refusals.isEmpty());
        assertThat(refusals).containsExactly("4403 token 'ci' may not connect as agent a-1");
        assertThat(link.connected()).isFalse();
        link.send(heartbeat(9));
        assertThat(server.received.poll(500, TimeUnit.MILLISECONDS)).as("no reconnect after a refusal").isNull();
        assertThat(server.connections).isEmpty();
    }

    @Test
    void aCloseWithoutARefusalCodeIsReconnected() throws Exception {
        link.start();
        next();
        TinyWebSocketServer.sendClose(server.connections.take(), 1001, "going away");
        assertThat(next().connection()).isEqualTo(2);
        TinyWebSocketServer.sendClose(server.connections.take(), 4409, "agent a-1 is already connected");
        assertThat(next().connection()).isEqualTo(3);
        assertThat(refusals).isEmpty();
    }

    @Test
    void withSeveralServersItMovesToTheNextWhenItsServerDies() throws Exception {
        link.close();
        try (var other = new TinyWebSocketServer()) {
            var config = new AgentConfig(server.uri(), "t0ken", "link-test", Map.of(), 1, dir, "test", Duration.ofMillis(20),
                    AgentConfig.DEFAULT_KEEP_WORKSPACES, List.of(other.uri()));
            link = new ServerLink(config, () -> List.<AgentMessage>of(heartbeat(-greetings.incrementAndGet())).iterator(),
                    handled::add, disconnects::incrementAndGet, refusals::add);
            link.start();
            assertThat(active(next())).as("the first server listed is used while it answers").isEqualTo(-1);
            assertThat(link.server()).isEqualTo(server.uri());

            server.close(); // the first server dies: its connection drops and it takes no new one
            Received greeted = other.received.poll(30, TimeUnit.SECONDS);
            assertThat(greeted).as("the next server is greeted").isNotNull();
            assertThat(active(greeted)).isEqualTo(-2);
            assertThat(link.server()).isEqualTo(other.uri());
            link.send(heartbeat(5));
            Received after = other.received.poll(30, TimeUnit.SECONDS);
            assertThat(after).isNotNull();
            assertThat(active(after)).isEqualTo(5);
            assertThat(server.received).isEmpty();
        }
    }
}
