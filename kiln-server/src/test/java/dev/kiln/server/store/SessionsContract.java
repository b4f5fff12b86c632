package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.core.SessionRecord;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Dashboard sessions and one-time sign-in codes, both kept by hash. */
public interface SessionsContract extends StoreFixture {

    @Test
    default void sessionsAreActiveUntilRevokedOrExpiredAndRevokingEndsThemOnce() {
        var first = new SessionRecord("s-1", "hash-1", "t-a", at(-60), at(-60), at(3600), null);
        var second = new SessionRecord("s-2", "hash-2", "t-a", at(-30), at(-30), at(3600), null);
        var other = new SessionRecord("s-3", "hash-3", "t-b", at(-20), at(-20), at(3600), null);
        var expired = new SessionRecord("s-4", "hash-4", "t-b", at(-90), at(-90), at(-1), null);
        run(tx -> List.of(other, expired, second, first).forEach(tx::insertSession));
        assertThat(store().activeSessions(at(0))).containsExactly(first, second, other);

        Instant seen = at(10);
        run(tx -> tx.touchSession("s-1", seen));
        assertThat(store().activeSessions(at(0)).get(0)).isEqualTo(first.seenAt(seen));

        boolean revoked = write(tx -> tx.revokeSession("s-3", at(11)));
        boolean again = write(tx -> tx.revokeSession("s-3", at(12)));
        boolean unknown = write(tx -> tx.revokeSession("no-such-session", at(12)));
        assertThat(List.of(revoked, again, unknown)).containsExactly(true, false, false);
        run(tx -> tx.revokeSessionsOf("t-a", at(13)));
        assertThat(store().activeSessions(at(0))).isEmpty();
        assertThat(store().activeSessions(at(-70))).as("an expired session counts only before its expiry").containsExactly(expired);
    }

    @Test
    default void aSignInCodeIsRedeemedOnceAndNeverAfterItExpires() {
        run(tx -> {
            tx.insertSignInCode("code-hash", "t-admin", at(0), at(900));
            tx.insertSignInCode("stale-hash", "t-admin", at(-1000), at(-100));
        });
        boolean once = write(tx -> tx.redeemSignInCode("code-hash", at(1)));
        boolean twice = write(tx -> tx.redeemSignInCode("code-hash", at(2)));
        boolean stale = write(tx -> tx.redeemSignInCode("stale-hash", at(2)));
        boolean unknown = write(tx -> tx.redeemSignInCode("no-such-hash", at(2)));
        assertThat(List.of(once, twice, stale, unknown)).containsExactly(true, false, false, false);
        assertThat(store().signInCodeTokenId("code-hash")).contains("t-admin");
        assertThat(store().signInCodeTokenId("no-such-hash")).isEmpty();
    }
}
