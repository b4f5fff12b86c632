package dev.kiln.server.graph;

import dev.kiln.server.core.JobSpec;
import java.util.List;
import java.util.Set;

/**
 * One job definition of the graph. {@code job} holds the job fields (labels, retry, timeout…) with the command
 * template as its command; {@code named} says whether the file gave a name (else the planner names each job).
 * {@code config} is the dynamic-configuration script, or null. Every output names the same {@code placeholders}.
 */
public record JobDefinition(
        String name,
        List<PartitionPattern> outputs,
        List<Template> inputs,
        Template command,
        int batch,
        String config,
        JobSpec job,
        boolean named) {

    public JobDefinition {
        outputs = List.copyOf(outputs);
        inputs = List.copyOf(inputs);
    }

    public Set<String> placeholders() {
        return outputs.get(0).template().names();
    }

    public List<String> outputPatterns() {
        return outputs.stream().map(PartitionPattern::text).toList();
    }

    public List<String> inputTemplates() {
        return inputs.stream().map(Template::source).toList();
    }

    public String commandTemplate() {
        return command.source();
    }
}
