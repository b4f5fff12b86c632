package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.core.Role;
import dev.kiln.server.core.AgentRecord;
import dev.kiln.server.core.Artifact;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.TokenRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The smaller records: agents the server has seen, artifacts jobs uploaded, and API tokens. */
public interface AgentsArtifactsTokensContract extends StoreFixture {

    @Test
    default void upsertAgentAddsThenReplacesButKeepsFirstSeen() {
        Instant first = at(0);
        var v1 = new AgentRecord("id-b", "builder", Map.of("arch", List.of("x86_64")), 2, "0.1.0", "online", first, first);
        var other = new AgentRecord("id-a", "zeta", Map.of(), 1, null, "offline", first, first);
        run(tx -> {
            tx.upsertAgent(v1);
            tx.upsertAgent(other);
        });
        assertThat(store().agents()).containsExactly(v1, other);

        Instant later = at(60);
        var v2 = new AgentRecord("id-b", "builder-2", Map.of("arch", List.of("x86_64"), "toolchain", List.of("gcc-12", "jdk-21")),
                8, "0.2.0", "offline", later, later);
        run(tx -> tx.upsertAgent(v2));
        assertThat(store().agents()).containsExactly(
                new AgentRecord("id-b", "builder-2", v2.labels(), 8, "0.2.0", "offline", first, later), other);
    }

    /** Servers sharing a database each write what they saw of an agent: an older sighting never hides a newer one. */
    @Test
    default void upsertAgentNeverMovesLastSeenBack() {
        Instant first = at(0), newer = at(90), older = at(30);
        run(tx -> tx.upsertAgent(new AgentRecord("id-m", "mover", Map.of(), 1, "1", "online", first, newer)));
        run(tx -> tx.upsertAgent(new AgentRecord("id-m", "mover", Map.of(), 1, "1", "offline", first, older)));
        assertThat(store().agents()).containsExactly(new AgentRecord("id-m", "mover", Map.of(), 1, "1", "offline", first, newer));
    }

    @Test
    default void agentsAreListedByName() {
        Instant t = at(0);
        run(tx -> {
            for (String name : List.of("m", "c", "x", "a")) {
                tx.upsertAgent(new AgentRecord("id-" + name, name, Map.of(), 1, "1", "online", t, t));
            }
        });
        assertThat(store().agents()).extracting(AgentRecord::name).containsExactly("a", "c", "m", "x");
    }

    @Test
    default void artifactsListByAttemptThenNameAndAReuploadReplaces() {
        Job job = insert("artifacts");
        Job other = insert("other");
        Instant t = at(0);
        var b1 = new Artifact(job.id(), 1, "b.txt", 10, "sha-b1", t);
        var a1 = new Artifact(job.id(), 1, "a.txt", 20, "sha-a1", t);
        var a2 = new Artifact(job.id(), 2, "a.txt", 30, "sha-a2", t);
        run(tx -> {
            tx.upsertArtifact(a2);
            tx.upsertArtifact(b1);
            tx.upsertArtifact(a1);
            tx.upsertArtifact(new Artifact(other.id(), 1, "a.txt", 1, "sha-other", t));
        });
        assertThat(store().artifacts(job.id())).containsExactly(a1, b1, a2);

        var a1again = new Artifact(job.id(), 1, "a.txt", 25, "sha-a1-new", at(9));
        run(tx -> tx.upsertArtifact(a1again));
        assertThat(store().artifacts(job.id())).containsExactly(a1again, b1, a2);
        assertThat(store().artifacts(other.id())).extracting(Artifact::sha256).containsExactly("sha-other");
        assertThat(store().artifacts("no-such-job")).isEmpty();
    }

    @Test
    default void tokensListNewestFirstAndRevokeOnce() {
        var old = new TokenRecord("t-old", "ci", Role.OPERATOR, "hash-old", at(-60), null);
        var admin = new TokenRecord("t-admin", "admin", Role.ADMIN, "hash-admin", at(0), null);
        var agent = new TokenRecord("t-agent", "fleet", Role.AGENT, "hash-agent", at(-30), null);
        run(tx -> {
            tx.insertToken(old);
            tx.insertToken(admin);
            tx.insertToken(agent);
        });
        assertThat(store().tokens()).containsExactly(admin, agent, old);

        Instant revokedAt = at(5);
        boolean revoked = write(tx -> tx.revokeToken("t-old", revokedAt));
        // revoking again succeeds but keeps the first revocation time
        boolean revokedAgain = write(tx -> tx.revokeToken("t-old", at(50)));
        boolean unknown = write(tx -> tx.revokeToken("no-such-token", revokedAt));
        assertThat(List.of(revoked, revokedAgain, unknown)).containsExactly(true, true, false);
        assertThat(store().tokens()).containsExactly(admin, agent,
                new TokenRecord("t-old", "ci", Role.OPERATOR, "hash-old", old.createdAt(), revokedAt));
        assertThat(store().tokens().get(2).revoked()).isTrue();
    }

    @Test
    default void anAgentTokenIsBoundOnceAndKeepsItsBinding() {
        var pinned = new TokenRecord("t-pinned", "build-7", Role.AGENT, "hash-pinned", at(0), null, "agent-7");
        var open = new TokenRecord("t-open", "build-8", Role.AGENT, "hash-open", at(1), null);
        run(tx -> {
            tx.insertToken(pinned);
            tx.insertToken(open);
        });
        boolean first = write(tx -> tx.bindTokenToAgent("t-open", "agent-8"));
        boolean again = write(tx -> tx.bindTokenToAgent("t-open", "agent-9"));
        boolean alreadyPinned = write(tx -> tx.bindTokenToAgent("t-pinned", "agent-9"));
        boolean unknown = write(tx -> tx.bindTokenToAgent("no-such-token", "agent-9"));
        assertThat(List.of(first, again, alreadyPinned, unknown)).containsExactly(true, false, false, false);
        assertThat(store().tokens()).extracting(TokenRecord::agentId).containsExactly("agent-8", "agent-7");
    }
}
