package dev.kiln.server.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real server for every test of a class (a temp data dir, an embedded agent of capacity 2): for tests that do not
 * need a fresh server each, so the class starts one instead of one per test.
 */
abstract class OneServerPerClass {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static Api api;

    @BeforeAll
    static void startOneServer() {
        kiln = KilnTestServer.start(dir.resolve("data"), 2);
        api = kiln.api;
    }

    @AfterAll
    static void stopOneServer() {
        kiln.close();
    }
}
