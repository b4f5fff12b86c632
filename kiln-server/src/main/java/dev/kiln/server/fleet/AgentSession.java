package dev.kiln.server.fleet;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An agent as the scheduler sees it: identity, labels, capacity, state, and the jobs it holds. Mutated only under
 * the {@link dev.kiln.server.core.EngineLock}; its state as {@link AgentTransitions} decides. {@link #view()} takes a
 * snapshot for readers.
 */
public final class AgentSession {
    private final String id;
    private String name;
    private Map<String, List<String>> labels;
    private int capacity;
    private String version;
    private AgentState state;
    private AgentConnection connection;
    private final Set<String> activeJobs = new LinkedHashSet<>();
    /** Which of the active jobs are services (they hold their slot until stopped); may keep ids of ended ones. */
    private final Set<String> services = new java.util.HashSet<>();
    private Instant connectedAt;
    private Instant lastSeen;
    private double load;
    private long memoryUsed;
    private long memoryTotal;

    public AgentSession(String id, String name, Map<String, List<String>> labels, int capacity, String version,
                        AgentState state, Instant lastSeen) {
        this.id = id;
        this.name = name;
        this.labels = Map.copyOf(labels);
        this.capacity = capacity;
        this.version = version;
        this.state = state;
        this.lastSeen = lastSeen;
    }

    /** A (re)connection: the agent said hello with these facts. Its state is set apart, by the registry. */
    public void connected(String newName, Map<String, List<String>> newLabels, int newCapacity, String newVersion,
                          AgentConnection newConnection, Instant now) {
        name = newName;
        labels = Map.copyOf(newLabels);
        capacity = newCapacity;
        version = newVersion;
        connection = newConnection;
        connectedAt = now;
        lastSeen = now;
    }

    public void disconnected() {
        connection = null;
    }

    public void heartbeat(double newLoad, long used, long total, Instant now) {
        load = newLoad;
        memoryUsed = used;
        memoryTotal = total;
        lastSeen = now;
    }

    public void seen(Instant now) {
        lastSeen = now;
    }

    /** Sets a state that {@link AgentTransitions} decided; a move outside the table is a bug. */
    public void setState(AgentState target) {
        if (state != target && !state.canMoveTo(target)) {
            throw new IllegalStateException("agent " + name + ": " + state + " -> " + target + " is not in the table");
        }
        state = target;
    }

    public boolean hasFreeSlot() {
        return state.takesWork() && connection != null && activeJobs.size() < capacity;
    }

    /** Fraction of capacity in use: the least loaded agent gets the next job. */
    public double utilisation() {
        return capacity == 0 ? 1.0 : (double) activeJobs.size() / capacity;
    }

    public boolean matchesName(String idOrName) {
        return id.equals(idOrName) || name.equals(idOrName);
    }

    public String id() { return id; }
    public String name() { return name; }
    public Map<String, List<String>> labels() { return labels; }
    public int capacity() { return capacity; }
    public String version() { return version; }
    public AgentState state() { return state; }
    public AgentConnection connection() { return connection; }
    public Set<String> activeJobs() { return activeJobs; }
    /** Marks which active jobs are services; whoever adds one here has added it to {@link #activeJobs()}. */
    public Set<String> services() { return services; }

    /** How many of the slots in use hold services. */
    public int servicesRunning() {
        services.retainAll(activeJobs); // forget the ended ones, whichever way their slot was freed
        return services.size();
    }
    public Instant lastSeen() { return lastSeen; }

    public AgentView view() {
        return new AgentView(id, name, labels, capacity, version, state.wireName(), List.copyOf(activeJobs),
                connectedAt, lastSeen, load, memoryUsed, memoryTotal);
    }

    /** An immutable snapshot for the API. */
    public record AgentView(String id, String name, Map<String, List<String>> labels, int capacity, String version,
                            String state, List<String> activeJobs, Instant connectedAt, Instant lastSeen, double load,
                            long memoryUsedBytes, long memoryTotalBytes) {}
}
