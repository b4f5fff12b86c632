package dev.kiln.server;

import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.graph.GraphRegistry;
import dev.kiln.server.ops.Readiness;

/** The server's own readiness checks beside the store's: the build graph, the agents, the timers lease. */
final class ServerReadiness {
    private ServerReadiness() {}

    /**
     * Ready as to the build graph: a graph file given (--graph) must have loaded; a later change refused keeps the
     * version in force and is only reported. Without a file there is nothing to wait for.
     */
    static Readiness.Check graph(GraphRegistry graph) {
        var current = graph.current();
        var failure = graph.lastFailure();
        String refused = failure.map(f -> "; the newest change was refused: " + f.errors().getFirst()).orElse("");
        if (current.isPresent()) {
            return new Readiness.Check(true, "version " + current.get().graph().shortVersion() + refused);
        }
        if (graph.file().isPresent()) {
            return new Readiness.Check(false, graph.file().get() + " did not load"
                    + failure.map(f -> ": " + f.errors().getFirst()).orElse(" yet"));
        }
        return new Readiness.Check(true, "no build graph (none configured)");
    }

    /** Never a reason to be unready: says whether this server runs the cluster-wide timers (holds the lease). */
    static Readiness.Check timers(dev.kiln.server.store.Lease lease) {
        return new Readiness.Check(true, lease.held() ? "this server runs the cluster-wide timers (holds the lease)"
                : "another server runs the cluster-wide timers (this one takes over if it dies)");
    }

    /** Ready as to agents: the embedded agent, when there is one, is connected; remote agents come and go. */
    static Readiness.Check agents(FleetRegistry fleet, ServerConfig config) {
        var online = fleet.views().stream().filter(a -> a.state().equals("online")).toList();
        if (config.embeddedAgent() && online.stream().noneMatch(a -> a.name().equals(config.agentName()))) {
            return new Readiness.Check(false, "the embedded agent is not online (" + online.size() + " agent(s) online)");
        }
        return new Readiness.Check(true, online.size() + " agent(s) online");
    }
}
