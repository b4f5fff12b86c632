package dev.kiln.server.store.sqlite;

import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.SecretKeyException;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The {@code jobs.secrets} column: a job's secrets as JSON, sealed with the {@link SecretCipher} and bound to the
 * job's id. Only the store reads it back, to hand the values to the agent that runs the job, or to a re-run.
 */
final class SealedSecrets {
    private final SecretCipher cipher;

    SealedSecrets(SecretCipher cipher) {
        this.cipher = cipher;
    }

    String toColumn(String jobId, Map<String, String> secrets) {
        return secrets.isEmpty() ? null : cipher.seal(Rows.toJson(secrets), jobId);
    }

    Map<String, String> fromColumn(String jobId, String column) {
        if (column == null) return Map.of();
        if (!SecretCipher.isSealed(column)) {
            throw new IllegalStateException("job " + jobId + " has secrets in clear: migration V6 seals them all");
        }
        return Rows.stringMap(cipher.open(column, jobId));
    }

    /**
     * On start, after the migrations: secrets sealed under a key that is missing or another one stop the server now,
     * with what to do, rather than the first job that needs them. Makes the key on a first start.
     */
    void verifyKey(Handle h, SqlDialect dialect) {
        var sample = h.createQuery("SELECT id, secrets FROM jobs WHERE secrets IS NOT NULL LIMIT 1")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2))).findOne();
        if (sample.isPresent() && !cipher.hasKeyFile()) {
            throw new SecretKeyException("the database holds job secrets sealed with the key in " + cipher.keyFile()
                    + ", and that file is missing. Restore it from the backup of this data dir. To start without "
                    + "those secrets instead (jobs that need them will lack them), clear them first: "
                    + dialect.clearSecrets(), null);
        }
        sample.ifPresent(s -> fromColumn(s.getKey(), s.getValue()));
        cipher.key();
    }

    /** One value (a notification subscription's signing secret), sealed and bound to what it belongs to. */
    String sealValue(String value, String boundTo) {
        return cipher.seal(value, boundTo);
    }

    String openValue(String column, String boundTo) {
        return cipher.open(column, boundTo);
    }
}
