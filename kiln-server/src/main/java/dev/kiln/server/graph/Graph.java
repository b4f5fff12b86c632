package dev.kiln.server.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A loaded build graph: the definitions in file order, the static edges between them, and its version — the
 * SHA-256 of the file's canonical content (comments, key order and layout do not change it).
 */
public record Graph(List<JobDefinition> definitions, List<Edge> edges, String version) {
    /**
     * {@code from} produces what {@code to} needs: one of {@code to}'s input templates ({@code input}) can name a
     * partition of {@code from}'s output pattern {@code output}.
     */
    public record Edge(String from, String to, String input, String output) {}

    /** A definition that produces a ref, with the ref's placeholder values. */
    record Match(JobDefinition definition, PartitionPattern output, Map<String, String> values) {}

    public Graph {
        definitions = List.copyOf(definitions);
        edges = List.copyOf(edges);
    }

    static Graph of(List<JobDefinition> definitions, String version) {
        var edges = new ArrayList<Edge>();
        for (JobDefinition to : definitions) {
            for (Template input : to.inputs()) {
                for (JobDefinition from : definitions) {
                    for (PartitionPattern out : from.outputs()) {
                        if (PartitionPattern.mayOverlap(input, out.template())) {
                            edges.add(new Edge(from.name(), to.name(), input.source(), out.text()));
                        }
                    }
                }
            }
        }
        return new Graph(definitions, edges, version);
    }

    /** The version as people read it (like a short git hash). */
    public String shortVersion() {
        return version.substring(0, 12);
    }

    /** The one definition that produces {@code ref}, if exactly one does. */
    public java.util.Optional<String> producerOf(String ref) {
        var all = producers(ref);
        return all.size() == 1 ? java.util.Optional.of(all.get(0).definition().name()) : java.util.Optional.empty();
    }

    /** Every definition with an output matching {@code ref} (one match per definition). */
    List<Match> producers(String ref) {
        var out = new ArrayList<Match>(1);
        for (JobDefinition d : definitions) {
            for (PartitionPattern p : d.outputs()) {
                var values = p.match(ref);
                if (values.isPresent()) {
                    out.add(new Match(d, p, values.get()));
                    break;
                }
            }
        }
        return out;
    }
}
