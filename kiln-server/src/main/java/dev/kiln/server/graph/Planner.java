package dev.kiln.server.graph;

import dev.kiln.server.core.ValidationException.FieldError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Plans a build: a pure function from (graph, requested refs, force, what is known of partitions) to a {@link Plan}.
 *
 * <ol>
 * <li>Each ref goes to the one definition whose output matches it (none or several: an error naming the ref). A
 *     <em>unit</em> is one definition with one set of placeholder values; it makes all of that definition's outputs.
 * <li>Level by level from the requested units, the lookup says what each unit's partitions are: one being built by
 *     another active request → delegated (even with force: that build makes it anew); all available → skipped
 *     (unless forced; force applies to the requested partitions, not to their inputs); else built, and its input
 *     templates, rendered with its values, are the next level.
 * <li>The units to build must form no cycle (else an error naming it). A unit's height is its longest chain of
 *     units that need it (0 for what only the request needs); units of one definition and one height are batched
 *     into jobs of up to {@code batch} units, so a batch never waits on itself, and requested partitions go
 *     together. Jobs are ordered by height (highest first), then file order of the definition, then first ref.
 * </ol>
 */
public final class Planner {
    /** A plan larger than this is refused: an input template that makes ever longer refs would never end. */
    public static final int MAX_UNITS = 200_000;
    static final int MAX_ERRORS = 100;

    private final Graph graph;
    private final boolean force;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, Node> byRef = new HashMap<>();
    private final Map<String, Integer> fileOrder = new HashMap<>();
    private final List<FieldError> errors = new ArrayList<>();

    private final int maxUnits;
    private final Map<String, Configured> configured;

    /**
     * What a definition's {@code config} step said for one output ref: its inputs (refs, in place of the
     * definition's input templates), extra command arguments and env.
     */
    public record Configured(List<String> inputs, List<String> args, Map<String, String> env) {
        public Configured {
            inputs = List.copyOf(inputs);
            args = List.copyOf(args);
            env = Map.copyOf(env);
        }
    }

    private Planner(Graph graph, boolean force, int maxUnits, Map<String, Configured> configured) {
        this.graph = graph;
        this.force = force;
        this.maxUnits = maxUnits;
        this.configured = configured;
        for (JobDefinition d : graph.definitions()) fileOrder.put(d.name(), fileOrder.size());
    }

    public static Plan plan(Graph graph, List<String> refs, boolean force, PartitionLookup lookup) {
        return plan(graph, refs, force, lookup, MAX_UNITS);
    }

    /**
     * A plan after the config steps ran: a unit of a definition with {@code config} whose first output is in
     * {@code configured} takes its inputs, arguments and env from there.
     */
    public static Plan plan(Graph graph, List<String> refs, boolean force, PartitionLookup lookup,
                            Map<String, Configured> configured) {
        return new Planner(graph, force, MAX_UNITS, configured).run(refs, lookup);
    }

    static Plan plan(Graph graph, List<String> refs, boolean force, PartitionLookup lookup, int maxUnits) {
        return new Planner(graph, force, maxUnits, Map.of()).run(refs, lookup);
    }

    private static final class Node {
        final JobDefinition def;
        final Map<String, String> values;
        final List<String> partitions;
        final List<Node> inputs = new ArrayList<>();
        boolean requested;
        boolean queued; // on a level of the walk already
        Plan.Outcome outcome;
        List<String> buildIds = List.of();
        Map<String, PartitionState> states = Map.of();
        int mark; // DFS: 0 unseen, 1 on the path, 2 done
        int height;

        Node(JobDefinition def, Map<String, String> values, List<String> partitions) {
            this.def = def;
            this.values = values;
            this.partitions = partitions;
        }

        String describe() {
            return partitions.get(0) + " (" + def.name() + ")";
        }
    }

    private Plan run(List<String> refs, PartitionLookup lookup) {
        var requested = new LinkedHashMap<String, Node>();
        for (int i = 0; i < refs.size(); i++) {
            String ref = refs.get(i);
            if (requested.containsKey(ref)) continue;
            Node n = resolve(ref, "partitions[" + i + "]", "");
            if (n != null) n.requested = true;
            requested.put(ref, n);
        }
        fail();
        List<Node> level = new ArrayList<>(new LinkedHashSet<>(requested.values()));
        level.forEach(n -> n.queued = true);
        while (!level.isEmpty()) {
            if (nodes.size() > maxUnits) {
                errors.add(new FieldError("partitions", "the plan grows past " + maxUnits + " partitions; does an input "
                        + "template make ever longer refs? (last seen: " + level.get(0).describe() + ")"));
                fail();
            }
            Map<String, PartitionState> states = lookup.states(level.stream().flatMap(n -> n.partitions.stream()).toList());
            var next = new ArrayList<Node>();
            for (Node n : level) {
                decide(n, states);
                if (n.outcome == Plan.Outcome.BUILD) expand(n, next);
            }
            level = next;
        }
        fail();
        List<Node> order = dependencyOrder();
        return assemble(requested, order);
    }

    /** The unit that makes {@code ref}, shared by everyone who needs it; null (and an error) if none or several. */
    private Node resolve(String ref, String field, String neededBy) {
        if (byRef.containsKey(ref)) return byRef.get(ref); // null: its error is reported once
        String problem = PartitionPattern.refProblem(ref);
        if (problem != null) {
            errors.add(new FieldError(field, "'" + Template.abbreviate(ref) + "'" + neededBy + ": " + problem));
            byRef.put(ref, null);
            return null;
        }
        var producers = graph.producers(ref);
        if (producers.size() != 1) {
            errors.add(new FieldError(field, producers.isEmpty()
                    ? "no job definition produces '" + ref + "'" + neededBy + "; the graph's outputs are " + allOutputs()
                    : "'" + ref + "'" + neededBy + " matches outputs of several definitions: " + producers.stream()
                            .map(m -> m.definition().name() + " (" + m.output().text() + ")").collect(Collectors.joining(", "))
                            + "; exactly one may produce a partition, so narrow a pattern with {name:regex}"));
            byRef.put(ref, null);
            return null;
        }
        Graph.Match m = producers.get(0);
        List<String> partitions = m.definition().outputs().stream().map(p -> p.render(m.values())).toList();
        Node n = nodes.computeIfAbsent(m.definition().name() + " " + partitions.get(0),
                k -> new Node(m.definition(), m.values(), partitions));
        byRef.put(ref, n);
        return n;
    }

    private String allOutputs() {
        var all = graph.definitions().stream().flatMap(d -> d.outputPatterns().stream()).toList();
        return all.size() <= 12 ? String.join(", ", all) : String.join(", ", all.subList(0, 12)) + ", …";
    }

    private void decide(Node n, Map<String, PartitionState> states) {
        var inFlight = new LinkedHashSet<String>();
        boolean allAvailable = true;
        var mine = new LinkedHashMap<String, PartitionState>();
        for (String p : n.partitions) {
            PartitionState s = states.getOrDefault(p, PartitionState.MISSING);
            mine.put(p, s);
            if (s instanceof PartitionState.InFlight f) inFlight.add(f.buildId());
            if (!(s instanceof PartitionState.Available)) allAvailable = false;
        }
        n.states = mine;
        if (!inFlight.isEmpty()) {
            n.outcome = Plan.Outcome.DELEGATE;
            n.buildIds = List.copyOf(inFlight);
        } else if (allAvailable && !(force && n.requested)) {
            n.outcome = Plan.Outcome.SKIP;
        } else {
            n.outcome = Plan.Outcome.BUILD;
        }
    }

    private void expand(Node n, List<Node> next) {
        Configured c = configured.get(n.partitions.get(0));
        List<String> inputs = c != null ? c.inputs() : n.def.inputs().stream().map(t -> t.render(n.values)).toList();
        for (int i = 0; i < inputs.size(); i++) {
            String ref = inputs.get(i);
            String field = c != null ? "jobs." + n.def.name() + ".config(" + n.partitions.get(0) + ").inputs[" + i + "]"
                    : "jobs." + n.def.name() + ".inputs[" + i + "]";
            Node child = resolve(ref, field,
                    " (input of " + n.def.name() + " for " + n.partitions.get(0) + ")");
            if (child == null) continue;
            if (!n.inputs.contains(child)) n.inputs.add(child);
            if (!child.queued) {
                child.queued = true;
                next.add(child);
            }
        }
    }

    /** Throws what was found; a request of thousands of bad refs is answered with the first hundred and a count. */
    private void fail() {
        if (errors.isEmpty()) return;
        if (errors.size() <= MAX_ERRORS) throw new PlanException(errors);
        var shown = new ArrayList<>(errors.subList(0, MAX_ERRORS));
        shown.add(new FieldError("partitions", "and " + (errors.size() - MAX_ERRORS) + " more problems like these"));
        throw new PlanException(shown);
    }

    /** The units to build, inputs before those who need them; a cycle is an error naming it. Iterative: chains are long. */
    private List<Node> dependencyOrder() {
        var order = new ArrayList<Node>();
        for (Node root : nodes.values()) {
            if (root.outcome != Plan.Outcome.BUILD || root.mark != 0) continue;
            var path = new ArrayList<Node>();
            var next = new ArrayList<Integer>();
            root.mark = 1;
            path.add(root);
            next.add(0);
            while (!path.isEmpty()) {
                int top = path.size() - 1;
                Node n = path.get(top);
                int i = next.get(top);
                if (i < n.inputs.size()) {
                    next.set(top, i + 1);
                    Node in = n.inputs.get(i);
                    if (in.outcome != Plan.Outcome.BUILD || in.mark == 2) continue;
                    if (in.mark == 1) throw cycle(path, in);
                    in.mark = 1;
                    path.add(in);
                    next.add(0);
                } else {
                    n.mark = 2;
                    order.add(n);
                    path.remove(top);
                    next.remove(top);
                }
            }
        }
        // consumers come after their inputs in this order: walked backwards, each unit's height is final when reached
        for (Node n : order.reversed()) {
            for (Node in : n.inputs) if (in.outcome == Plan.Outcome.BUILD) in.height = Math.max(in.height, n.height + 1);
        }
        return order;
    }

    private static PlanException cycle(List<Node> path, Node back) {
        var names = new ArrayList<String>();
        for (int i = path.indexOf(back); i < path.size(); i++) names.add(path.get(i).describe());
        names.add(back.describe());
        return new PlanException(List.of(new FieldError("partitions",
                "the graph has a cycle (each needs the next): " + String.join(" → ", names))));
    }

    /** Highest first: everything a job needs is higher than it. */
    private record Group(int height, int fileOrder) implements Comparable<Group> {
        @Override
        public int compareTo(Group o) {
            return height != o.height ? Integer.compare(o.height, height) : Integer.compare(fileOrder, o.fileOrder);
        }
    }

    private Plan assemble(Map<String, Node> requested, List<Node> order) {
        // batches: one definition at one height, in ref order
        var groups = new TreeMap<Group, List<Node>>();
        for (Node n : order) groups.computeIfAbsent(new Group(n.height, fileOrder.get(n.def.name())), k -> new ArrayList<>()).add(n);
        var jobOf = new HashMap<Node, String>();
        var batches = new ArrayList<List<Node>>();
        var counters = new HashMap<String, Integer>();
        var keys = new ArrayList<String>();
        for (List<Node> group : groups.values()) {
            group.sort(Comparator.comparing(n -> n.partitions.get(0)));
            int size = group.get(0).def.batch();
            for (int from = 0; from < group.size(); from += size) {
                List<Node> batch = group.subList(from, Math.min(group.size(), from + size));
                String def = batch.get(0).def.name();
                String key = def + "#" + counters.merge(def, 1, Integer::sum);
                batch.forEach(n -> jobOf.put(n, key));
                batches.add(batch);
                keys.add(key);
            }
        }
        var position = new HashMap<String, Integer>();
        for (int i = 0; i < keys.size(); i++) position.put(keys.get(i), i);
        var jobs = new ArrayList<Plan.PlannedJob>();
        for (int i = 0; i < batches.size(); i++) jobs.add(job(keys.get(i), batches.get(i), jobOf, position));

        var outcomes = new ArrayList<Plan.Requested>();
        requested.forEach((ref, n) -> outcomes.add(new Plan.Requested(ref, n.def.name(), n.outcome, jobOf.get(n),
                n.outcome == Plan.Outcome.DELEGATE ? n.buildIds.get(0) : null)));
        var skipped = new ArrayList<Plan.Skipped>();
        var delegated = new ArrayList<Plan.Delegated>();
        for (Node n : nodes.values()) {
            for (String p : n.partitions) {
                if (n.outcome == Plan.Outcome.SKIP) {
                    skipped.add(new Plan.Skipped(p, n.def.name(), n.requested
                            ? "available: built before (request it with force to build it again)" : "available: built before"));
                } else if (n.outcome == Plan.Outcome.DELEGATE) {
                    String build = n.states.get(p) instanceof PartitionState.InFlight f ? f.buildId() : n.buildIds.get(0);
                    delegated.add(new Plan.Delegated(p, n.def.name(), build));
                }
            }
        }
        skipped.sort(Comparator.comparing(Plan.Skipped::ref));
        delegated.sort(Comparator.comparing(Plan.Delegated::ref));
        return new Plan(graph.version(), force, outcomes, jobs, skipped, delegated);
    }

    private Plan.PlannedJob job(String key, List<Node> units, Map<Node, String> jobOf, Map<String, Integer> position) {
        JobDefinition def = units.get(0).def;
        var partitions = new ArrayList<String>();
        var placeholders = new LinkedHashMap<String, List<String>>();
        var dependsOn = new LinkedHashSet<String>();
        var waitsFor = new LinkedHashSet<String>();
        for (String name : def.placeholders()) {
            placeholders.put(name, units.stream().map(u -> u.values.get(name)).distinct().toList());
        }
        for (Node u : units) {
            partitions.addAll(u.partitions);
            for (Node in : u.inputs) {
                if (in.outcome == Plan.Outcome.BUILD) dependsOn.add(jobOf.get(in));
                else if (in.outcome == Plan.Outcome.DELEGATE) waitsFor.addAll(in.buildIds);
            }
        }
        var deps = new ArrayList<>(dependsOn);
        deps.sort(Comparator.comparing(position::get));
        var spec = PlannedJobSpecs.spec(def, units.stream().map(u -> u.values).toList(), partitions, placeholders);
        if (!configured.isEmpty()) spec = PlannedJobSpecs.withConfigured(spec, units.stream().map(u -> configured.get(u.partitions.get(0))).toList());
        return new Plan.PlannedJob(key, def.name(), partitions, placeholders, spec, deps, List.copyOf(waitsFor), def.config());
    }
}
