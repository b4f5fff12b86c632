package dev.kiln.server.ops;

import dev.kiln.server.store.Store;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Whether the server can serve, and if not, why: each check named, with what is wrong or what is fine. The store
 * (it answers) and its migrations (the schema is current) are checked here; the composition root adds the agents
 * check and, with the build graph, the graph's ({@link #with}).
 */
public final class Readiness {
    public record Check(boolean ok, String detail) {}

    public record Report(boolean ready, Map<String, Check> checks) {}

    private final Map<String, Supplier<Check>> checks = new LinkedHashMap<>();

    public Readiness(Store store) {
        // the store's two checks come from one call; each reads it afresh (readiness is polled, never hot)
        checks.put("store", () -> {
            var h = store.health();
            return new Check(h.reachable(), h.reachableDetail());
        });
        checks.put("migrations", () -> {
            var h = store.health();
            return new Check(h.migrated(), h.migrationDetail());
        });
    }

    /** Adds a named check (e.g. {@code agents}, {@code graph}). */
    public Readiness with(String name, Supplier<Check> check) {
        checks.put(name, check);
        return this;
    }

    public Report check() {
        var results = new LinkedHashMap<String, Check>();
        checks.forEach((name, check) -> {
            try {
                results.put(name, check.get());
            } catch (RuntimeException e) {
                results.put(name, new Check(false, "check failed: " + e.getMessage()));
            }
        });
        return new Report(results.values().stream().allMatch(Check::ok), results);
    }
}
