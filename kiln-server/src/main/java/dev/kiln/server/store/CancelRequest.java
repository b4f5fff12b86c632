package dev.kiln.server.store;

import java.time.Instant;

/**
 * A cancel asked of a server that does not run the job (several servers on one database): the server whose agent
 * runs it carries it out. {@code by} names who asked (a token's name), or is null when unknown.
 */
public record CancelRequest(String jobId, String by, Instant at) {}
