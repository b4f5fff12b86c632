package dev.kiln.server.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kiln.server.jobs.JobSpecParser;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphFileTest {
    static final GraphFile.JobFields JOB_FIELDS = JobSpecParser::parse;

    static final String PIPELINE = """
            version: 1
            jobs:
              ingest:
                outputs: ["raw/events/date={date}"]
                command: ./ingest.sh {date}
                labels: {arch: x86_64}
              clean:
                outputs: ["clean/events/date={date}"]
                inputs: ["raw/events/date={date}"]
                command: ./clean.sh {date}
                retry: {limit: 2, on: [failure]}
                timeout_seconds: 600
              daily_report:
                outputs: ["reports/daily/date={date}"]
                inputs: ["clean/events/date={date}"]
                command: ./report.sh {date}
                batch: 31
            """;

    static Graph parse(String yaml) {
        return GraphFile.parse(yaml, JOB_FIELDS);
    }

    static List<GraphError> errors(String yaml) {
        return catchThrowableOfType(GraphFileException.class, () -> parse(yaml)).errors();
    }

    @Test
    void readsDefinitionsJobFieldsAndEdges() {
        Graph g = parse(PIPELINE);
        assertThat(g.definitions()).extracting(JobDefinition::name).containsExactly("ingest", "clean", "daily_report");
        JobDefinition clean = g.definitions().get(1);
        assertThat(clean.job().retry().limit()).isEqualTo(2);
        assertThat(clean.job().timeoutSeconds()).isEqualTo(600);
        assertThat(g.definitions().get(0).job().labels()).containsEntry("arch", "x86_64");
        assertThat(g.definitions().get(2).batch()).isEqualTo(31);
        assertThat(g.edges()).extracting(e -> e.from() + "->" + e.to()).containsExactly("ingest->clean", "clean->daily_report");
        assertThat(g.version()).hasSize(64);
    }

    @Test
    void versionIsTheContentNotTheLayout() {
        String reordered = PIPELINE.replace("version: 1\n", "") + "version: 1   # same graph, other layout\n";
        assertThat(parse(reordered).version()).isEqualTo(parse(PIPELINE).version());
        assertThat(parse(PIPELINE.replace("batch: 31", "batch: 30")).version()).isNotEqualTo(parse(PIPELINE).version());
    }

    @Test
    void yamlSyntaxErrorHasItsPosition() {
        var errors = errors("jobs:\n  a:\n    outputs: [\"x/{d}\"\n    command: x\n");
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).line()).isEqualTo(4);
        assertThat(errors.get(0).column()).isEqualTo(5);
        assertThat(errors.get(0).message()).startsWith("not valid YAML: expected ',' or ']'").contains("flow sequence at line 3");
    }

    @Test
    void unknownFieldIsNamedWhereItStands() {
        var errors = errors(PIPELINE.replace("    batch: 31", "    batch: 31\n    comand: oops"));
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("jobs.daily_report.comand");
            assertThat(e.line()).isEqualTo(18);
            assertThat(e.column()).isEqualTo(5);
            assertThat(e.message()).startsWith("unknown field").contains("outputs, inputs, command").contains("timeout_seconds");
        });
        assertThat(errors("jobs: {a: {outputs: [\"a/{x}\"], command: x}}\nvresion: 1\n")).singleElement()
                .satisfies(e -> assertThat(e.line()).isEqualTo(2));
    }

    @Test
    void missingOutputsOrCommand() {
        var errors = errors("jobs:\n  a:\n    command: ./a.sh\n  b:\n    outputs: [\"b/{x}\"]\n");
        assertThat(errors).extracting(GraphError::field, GraphError::line)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("jobs.a", 2), org.assertj.core.groups.Tuple.tuple("jobs.b", 4));
        assertThat(errors.get(0).message()).contains("no 'outputs'");
        assertThat(errors.get(1).message()).contains("no 'command'");
    }

    @Test
    void placeholderNoOutputDefines() {
        var errors = errors(PIPELINE.replace("./clean.sh {date}", "./clean.sh {day}")
                .replace("inputs: [\"clean/events/date={date}\"]", "inputs: [\"clean/events/date={when}\"]"));
        assertThat(errors).extracting(GraphError::field).containsExactly("jobs.clean.command", "jobs.daily_report.inputs[0]");
        assertThat(errors.get(0).message()).contains("{day}").contains("the outputs define {date}");
        assertThat(errors.get(0).line()).isEqualTo(10);
        assertThat(errors.get(1).line()).isEqualTo(15);
    }

    @Test
    void badRegex() {
        var errors = errors(PIPELINE.replaceFirst("\\{date}", "{date:[0-9}"));
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("jobs.ingest.outputs[0]");
            assertThat(e.line()).isEqualTo(4);
            assertThat(e.message()).contains("invalid regex");
        });
    }

    @Test
    void duplicateOutputPatternBetweenDefinitions() {
        var errors = errors(PIPELINE.replace("reports/daily/date={date}", "clean/events/date={day}").replace("./report.sh {date}", "./report.sh {day}")
                .replace("inputs: [\"clean/events/date={date}\"]", "inputs: []"));
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("jobs.daily_report.outputs[0]");
            assertThat(e.line()).isEqualTo(14);
            assertThat(e.message()).contains("same pattern as jobs.clean.outputs[0]");
        });
    }

    @Test
    void batchOutOfRange() {
        assertThat(errors(PIPELINE.replace("batch: 31", "batch: 0"))).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("from 1 to " + GraphFile.MAX_BATCH));
        assertThat(errors(PIPELINE.replace("batch: 31", "batch: 400"))).singleElement()
                .satisfies(e -> assertThat(e.line()).isEqualTo(17));
    }

    @Test
    void jobFieldErrorsComeFromTheJobRulesWithPositions() {
        var errors = errors(PIPELINE.replace("retry: {limit: 2, on: [failure]}", "retry: {limit: 20, on: [failure]}")
                .replace("env_unused", ""));
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("jobs.clean.retry.limit");
            assertThat(e.line()).isEqualTo(11);
            assertThat(e.message()).contains("between 0 and 10");
        });
    }

    @Test
    void envMayNotSetWhatKilnSets() {
        var errors = errors(PIPELINE.replace("    timeout_seconds: 600", "    env: {date: x, KILN_PARTITIONS: y}"));
        assertThat(errors).extracting(GraphError::field).containsExactlyInAnyOrder("jobs.clean.env.date", "jobs.clean.env.KILN_PARTITIONS");
    }

    @Test
    void outputsOfOneDefinitionNameTheSamePlaceholders() {
        var errors = errors("jobs:\n  a:\n    outputs: [\"a/{x}\", \"b/{x}/{y}\"]\n    command: ./a.sh {x}\n");
        assertThat(errors).singleElement().satisfies(e -> assertThat(e.field()).isEqualTo("jobs.a.outputs[1]"));
        // a ref has no blanks, so a pattern with one could never match
        assertThat(errors("jobs:\n  a:\n    outputs: [\"a b/{x}\"]\n    command: ./a.sh {x}\n")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("without blanks"));
    }

    @Test
    void configIsAStringAndDuplicateKeysAreRefused() {
        Graph g = parse(PIPELINE + "  weekly:\n    outputs: [\"reports/weekly/week={week}\"]\n    config: ./configure-weekly.sh\n    command: ./weekly.sh {week}\n");
        assertThat(g.definitions().get(3).config()).isEqualTo("./configure-weekly.sh");
        assertThat(errors(PIPELINE + "  weekly:\n    outputs: [\"w/{w}\"]\n    config: 3\n    command: ./w.sh\n"))
                .singleElement().satisfies(e -> assertThat(e.field()).isEqualTo("jobs.weekly.config"));
        assertThat(errors("jobs:\n  a:\n    outputs: [\"a/{x}\"]\n    command: x\n    command: y\n")).singleElement()
                .satisfies(e -> assertThat(e.line()).isEqualTo(5));
    }

    @Test
    void anchorsAndAliasesAreResolved() {
        Graph g = parse("""
                jobs:
                  a:
                    outputs: ["a/{x}"]
                    command: ./a.sh {x}
                    env: &pipeline {PIPELINE_HOME: /srv/p, MODE: fast}
                  b:
                    outputs: ["b/{x}"]
                    command: ./b.sh {x}
                    env: *pipeline
                """);
        assertThat(g.definitions().get(1).job().env()).containsEntry("PIPELINE_HOME", "/srv/p").containsEntry("MODE", "fast");
        assertThat(errors("jobs:\n  a:\n    outputs: [\"a/{x}\"]\n    command: ./a.sh\n    env: *nowhere\n")).singleElement()
                .satisfies(e -> {
                    assertThat(e.line()).isEqualTo(5);
                    assertThat(e.message()).contains("*nowhere names no anchor");
                });
        // a "billion laughs": ten aliases of ten aliases of … grows past the bound instead of filling the heap
        var laughs = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 9; i++) {
            laughs.append("l").append(i).append(": &l").append(i).append(" [").append(String.join(", ", java.util.Collections.nCopies(10, "*l" + (i - 1)))).append("]\n");
        }
        assertThat(errors(laughs.toString())).singleElement().satisfies(e -> assertThat(e.message()).contains("more than 100000 values"));
    }

    @Test
    void hostileYamlIsAnErrorNotACrash() {
        assertThat(errors("[".repeat(100_000))).singleElement().satisfies(e -> assertThat(e.message()).startsWith("not valid YAML"));
        assertThat(errors("")).singleElement().satisfies(e -> assertThat(e.message()).contains("empty"));
        assertThat(errors("- just\n- a list\n")).singleElement().satisfies(e -> assertThat(e.message()).contains("mapping"));
    }
}
