package dev.kiln.server.core;

import java.util.concurrent.ThreadFactory;

/** Named daemon threads for the server's own executors: they never keep the JVM alive after {@code close}. */
public final class DaemonThreads {
    private DaemonThreads() {}

    public static ThreadFactory named(String name) {
        return Thread.ofPlatform().name(name).daemon(true).factory();
    }
}
