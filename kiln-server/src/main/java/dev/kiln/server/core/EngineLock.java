package dev.kiln.server.core;

/**
 * The one lock under which jobs and agents change state. Every decision is taken and handed to the store's single
 * writer under it, so the database sees transitions in the order they were decided; callers wait for durability
 * outside it. Shared by the job engine's parts and the fleet registry, built once by the composition root.
 */
public final class EngineLock {
}
