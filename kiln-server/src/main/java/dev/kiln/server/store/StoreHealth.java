package dev.kiln.server.store;

/**
 * Whether the store can serve: {@code reachable} (a read works) and {@code migrated} (the schema is the one this
 * version expects), each with a detail saying what is wrong, or what is fine.
 */
public record StoreHealth(boolean reachable, String reachableDetail, boolean migrated, String migrationDetail) {
}
