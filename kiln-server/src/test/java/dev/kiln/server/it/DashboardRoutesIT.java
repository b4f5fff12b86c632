package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's addresses are its single page, also when they name something with dots; a missing file is a 404. */
class DashboardRoutesIT {
    @TempDir
    Path dir;

    @Test
    void pagesNamingARefOrAVersionWithDotsAreTheDashboardAndAMissingFileIsNot() {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 0)) {
            Api anonymous = kiln.api.withToken(null);
            for (String page : new String[] {"/partitions/releases%2Fv1.2.3", "/releases/web-app/1.2.0", "/graph", "/builds/abc"}) {
                var r = anonymous.get(page);
                assertThat(r.status()).as(page).isEqualTo(200);
                assertThat(r.contentType()).as(page).startsWith("text/html");
            }
            var missing = anonymous.get("/no-such-file.js");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.contentType()).startsWith("application/problem+json");
        }
    }
}
