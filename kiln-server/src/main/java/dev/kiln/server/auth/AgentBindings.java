package dev.kiln.server.auth;

import dev.kiln.server.core.TokenRecord;
import dev.kiln.server.core.ValidationException;
import dev.kiln.server.store.Store;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which agent each agent token may speak for. A token is bound when it is created with an agent id, or else by its
 * first hello; from then on a hello with another id is refused. An agent id is held by at most one valid token, so
 * a new token cannot claim an identity another token (the embedded agent's, say) already has.
 */
public final class AgentBindings {
    /** What a hello's claim to an agent id comes to. {@code problem} is null when it was accepted. */
    public record Claim(boolean accepted, boolean boundNow, String problem) {
        static Claim accepted(boolean boundNow) {
            return new Claim(true, boundNow, null);
        }

        static Claim refused(String problem) {
            return new Claim(false, false, problem);
        }
    }

    private final Store store;
    private final Map<String, String> agentByToken = new HashMap<>(); // valid tokens only; guarded by this

    AgentBindings(Store store) {
        this.store = store;
        for (TokenRecord t : store.tokens()) {
            if (!t.revoked() && t.agentId() != null) agentByToken.put(t.id(), t.agentId());
        }
    }

    /** Accepts a hello of {@code agentId} by this token, binding the token (durably) if this is its first. */
    public synchronized Claim claim(Principal token, String agentId) {
        String bound = agentByToken.get(token.tokenId());
        if (bound != null) {
            return bound.equals(agentId) ? Claim.accepted(false) : Claim.refused("token '" + token.name()
                    + "' belongs to agent " + bound + ", not to agent " + agentId);
        }
        if (holderOf(agentId) != null) {
            return Claim.refused("agent " + agentId + " belongs to another token; token '" + token.name()
                    + "' cannot speak for it");
        }
        if (!store.write(tx -> tx.bindTokenToAgent(token.tokenId(), agentId)).join()) {
            if (boundInStore(token.tokenId(), agentId)) { // by another server on the same database
                agentByToken.put(token.tokenId(), agentId);
                return Claim.accepted(false);
            }
            return Claim.refused("token '" + token.name() + "' is unknown or already bound to another agent");
        }
        agentByToken.put(token.tokenId(), agentId);
        return Claim.accepted(true);
    }

    /**
     * Binds a new token at its creation: {@code persist} stores it (a no-op for an ephemeral one). Fails, storing
     * nothing, when another valid token holds {@code agentId}.
     */
    synchronized void bindNew(String tokenId, String agentId, Runnable persist) {
        if (holderOf(agentId) != null) {
            throw new ValidationException("agent_id", "agent " + agentId + " already has a token; revoke that one first");
        }
        persist.run();
        agentByToken.put(tokenId, agentId);
    }

    /**
     * The embedded agent's token, made at each start: its id is the server's own (kept in its data dir), so it takes
     * the id over from any token that claimed it while the embedded agent was not running.
     */
    synchronized void bindEmbedded(String tokenId, String agentId) {
        agentByToken.values().removeIf(agentId::equals);
        agentByToken.put(tokenId, agentId);
    }

    /** A binding made by another server on the same database (the token was bound there). */
    synchronized void learn(String tokenId, String agentId) {
        agentByToken.put(tokenId, agentId);
    }

        /** A revoked token holds no identity any more: a new token may take it. */
    synchronized void release(String tokenId) {
        agentByToken.remove(tokenId);
    }

    private boolean boundInStore(String tokenId, String agentId) {
        return store.tokens().stream().anyMatch(t -> t.id().equals(tokenId) && !t.revoked() && agentId.equals(t.agentId()));
    }

    private String holderOf(String agentId) {
        for (var e : agentByToken.entrySet()) if (Objects.equals(e.getValue(), agentId)) return e.getKey();
        return null;
    }
}
