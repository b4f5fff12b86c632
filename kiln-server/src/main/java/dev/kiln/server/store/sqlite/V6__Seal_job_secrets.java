package dev.kiln.server.store.sqlite;

import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Seals the secrets that versions before it kept in clear. {@code secure_delete} makes SQLite overwrite the clear
 * values it replaces instead of leaving them in free pages; the store truncates the write-ahead log after the
 * migrations, so no old page survives there either.
 */
final class V6__Seal_job_secrets extends BaseJavaMigration {
    private final SealedSecrets sealed;

    V6__Seal_job_secrets(SealedSecrets sealed) {
        this.sealed = sealed;
    }

    @Override
    public void migrate(Context context) throws Exception {
        Connection c = context.getConnection();
        var clear = new LinkedHashMap<String, String>();
        try (var st = c.createStatement()) {
            st.execute("PRAGMA secure_delete = ON");
            try (var rs = st.executeQuery("SELECT id, secrets FROM jobs WHERE secrets IS NOT NULL")) {
                while (rs.next()) clear.put(rs.getString(1), rs.getString(2));
            }
        }
        try (var update = c.prepareStatement("UPDATE jobs SET secrets = ? WHERE id = ?")) {
            for (Map.Entry<String, String> row : clear.entrySet()) {
                update.setString(1, sealed.toColumn(row.getKey(), Rows.stringMap(row.getValue())));
                update.setString(2, row.getKey());
                update.executeUpdate();
            }
        }
    }
}
