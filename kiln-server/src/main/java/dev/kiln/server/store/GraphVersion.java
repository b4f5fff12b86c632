package dev.kiln.server.store;

import java.time.Instant;

/**
 * A build graph version one server of a shared database accepted: its YAML as given, its version (SHA-256 of the
 * canonical content), where it came from ({@code file} or {@code api}), which server and when. {@code seq} orders
 * them (0 before it is stored): the highest is the one in force everywhere.
 */
public record GraphVersion(long seq, String version, String yaml, String source, String server, Instant storedAt) {}
