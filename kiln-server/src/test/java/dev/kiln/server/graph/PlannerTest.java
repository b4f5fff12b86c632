package dev.kiln.server.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PlannerTest {
    static final Graph PIPELINE = GraphFileTest.parse(GraphFileTest.PIPELINE);

    /** A lookup from a fixed map, recording what it was asked (it must be asked in bulk, once per level). */
    static final class Known implements PartitionLookup {
        final Map<String, PartitionState> states = new HashMap<>();
        final List<Collection<String>> asked = new ArrayList<>();

        Known with(String ref, PartitionState s) {
            states.put(ref, s);
            return this;
        }

        @Override
        public Map<String, PartitionState> states(Collection<String> refs) {
            asked.add(List.copyOf(refs));
            var out = new HashMap<String, PartitionState>();
            for (String r : refs) if (states.containsKey(r)) out.put(r, states.get(r));
            return out;
        }
    }

    static Plan plan(Graph g, List<String> refs) {
        return Planner.plan(g, refs, false, PartitionLookup.NOTHING_BUILT);
    }

    static PlanException planError(Graph g, List<String> refs) {
        return catchThrowableOfType(PlanException.class, () -> plan(g, refs));
    }

    static List<String> keys(Plan p) {
        return p.jobs().stream().map(Plan.PlannedJob::key).toList();
    }

    static Plan.PlannedJob job(Plan p, String key) {
        return p.jobs().stream().filter(j -> j.key().equals(key)).findFirst().orElseThrow();
    }

    @Test
    void chainInDependencyOrderWithRenderedJobs() {
        Plan p = plan(PIPELINE, List.of("reports/daily/date=2026-11-01"));
        assertThat(keys(p)).containsExactly("ingest#1", "clean#1", "daily_report#1");
        var clean = job(p, "clean#1");
        assertThat(clean.partitions()).containsExactly("clean/events/date=2026-11-01");
        assertThat(clean.dependsOn()).containsExactly("ingest#1");
        assertThat(clean.spec().command()).isEqualTo("./clean.sh 2026-11-01");
        assertThat(clean.spec().env()).containsEntry("KILN_PARTITIONS", "clean/events/date=2026-11-01").containsEntry("date", "2026-11-01");
        assertThat(clean.spec().retry().limit()).isEqualTo(2);
        assertThat(clean.spec().timeoutSeconds()).isEqualTo(600);
        assertThat(clean.spec().name()).isEqualTo("clean clean/events/date=2026-11-01");
        assertThat(job(p, "ingest#1").spec().labels()).containsEntry("arch", "x86_64");
        assertThat(p.graphVersion()).isEqualTo(PIPELINE.version());
        assertThat(p.requested()).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Plan.Outcome.BUILD);
            assertThat(r.job()).isEqualTo("daily_report#1");
        });
    }

    @Test
    void diamondBuildsTheSharedInputOnce() {
        Graph g = GraphFileTest.parse("""
                jobs:
                  raw: {outputs: ["raw/{d}"], command: "./raw.sh {d}"}
                  left: {outputs: ["left/{d}"], inputs: ["raw/{d}"], command: "./left.sh {d}"}
                  right: {outputs: ["right/{d}"], inputs: ["raw/{d}"], command: "./right.sh {d}"}
                  top: {outputs: ["top/{d}"], inputs: ["left/{d}", "right/{d}"], command: "./top.sh {d}"}
                """);
        Plan p = plan(g, List.of("top/1"));
        assertThat(keys(p)).containsExactly("raw#1", "left#1", "right#1", "top#1");
        assertThat(job(p, "left#1").dependsOn()).containsExactly("raw#1");
        assertThat(job(p, "right#1").dependsOn()).containsExactly("raw#1");
        assertThat(job(p, "top#1").dependsOn()).containsExactly("left#1", "right#1");
        assertThat(g.edges()).extracting(e -> e.from() + "->" + e.to())
                .containsExactly("raw->left", "raw->right", "left->top", "right->top");
    }

    @Test
    void batchesUpToNOutputsPerJob() {
        var refs = IntStream.rangeClosed(1, 7).mapToObj(i -> "reports/daily/date=2026-11-0" + i).toList();
        Graph g = GraphFileTest.parse(GraphFileTest.PIPELINE.replace("batch: 31", "batch: 3"));
        Plan p = plan(g, refs.reversed()); // order of the request does not matter
        assertThat(keys(p)).filteredOn(k -> k.startsWith("daily_report")).containsExactly("daily_report#1", "daily_report#2", "daily_report#3");
        var first = job(p, "daily_report#1");
        assertThat(first.partitions()).containsExactly(refs.get(0), refs.get(1), refs.get(2));
        assertThat(first.spec().command()).isEqualTo("./report.sh 2026-11-01 2026-11-02 2026-11-03");
        assertThat(first.spec().env()).containsEntry("date", "2026-11-01 2026-11-02 2026-11-03")
                .containsEntry("KILN_PARTITIONS", String.join(" ", refs.subList(0, 3)));
        assertThat(first.placeholders()).containsEntry("date", List.of("2026-11-01", "2026-11-02", "2026-11-03"));
        assertThat(first.dependsOn()).containsExactly("clean#1", "clean#2", "clean#3");
        assertThat(job(p, "daily_report#3").partitions()).containsExactly(refs.get(6));
        assertThat(p.jobs()).hasSize(7 + 7 + 3);
        assertThat(plan(g, refs.reversed())).isEqualTo(p); // deterministic
    }

    @Test
    void inABatchEachWordWithPlaceholdersIsRepeatedPerUnit() {
        Graph g = GraphFileTest.parse("""
                jobs:
                  day:
                    outputs: ['d/date={week:\\d{4}-W\\d{2}}-{day:[1-7]}']
                    command: $HOME/report.sh --day={week}-{day} --tag {week} "${X}" {{literal}}
                    batch: 7
                """);
        Plan p = plan(g, List.of("d/date=2026-W45-1", "d/date=2026-W45-2", "d/date=2026-W45-3"));
        assertThat(p.jobs()).singleElement().satisfies(j -> {
            assertThat(j.spec().command())
                    .isEqualTo("$HOME/report.sh --day=2026-W45-1 --day=2026-W45-2 --day=2026-W45-3 --tag 2026-W45 \"${X}\" {literal}");
            assertThat(j.spec().env()).containsEntry("week", "2026-W45").containsEntry("day", "1 2 3");
        });
    }

    @Test
    void aBatchNeverHoldsAUnitAndItsOwnDependency() {
        Graph g = GraphFileTest.parse("""
                jobs:
                  d: {outputs: ["d/{x}"], inputs: ["e/{x}"], command: "./d.sh {x}", batch: 10}
                  e: {outputs: ["e/{x:[a-z]+}"], inputs: ["d/{x}1"], command: "./e.sh {x}"}
                  f: {outputs: ["e/{x:[a-z]+1}"], command: "./f.sh {x}"}
                """);
        Plan p = plan(g, List.of("d/a", "d/b1"));
        // d/a needs e/a, which needs d/a1: d/a1 is batched apart; the requested d/a and d/b1 go together
        assertThat(keys(p)).containsExactly("f#1", "d#1", "e#1", "f#2", "d#2");
        assertThat(job(p, "d#1").partitions()).containsExactly("d/a1");
        assertThat(job(p, "d#2").partitions()).containsExactly("d/a", "d/b1");
        assertThat(job(p, "d#2").dependsOn()).containsExactly("e#1", "f#2");
        assertThat(job(p, "e#1").dependsOn()).containsExactly("d#1");
        assertThat(job(p, "d#1").dependsOn()).containsExactly("f#1");
    }

    @Test
    void cycleIsNamed() {
        Graph g = GraphFileTest.parse("""
                jobs:
                  a: {outputs: ["a/{x}"], inputs: ["b/{x}"], command: "./a.sh"}
                  b: {outputs: ["b/{x}"], inputs: ["c/{x}"], command: "./b.sh"}
                  c: {outputs: ["c/{x}"], inputs: ["a/{x}"], command: "./c.sh"}
                """);
        assertThat(planError(g, List.of("a/1")).getMessage())
                .isEqualTo("the graph has a cycle (each needs the next): a/1 (a) → b/1 (b) → c/1 (c) → a/1 (a)");
    }

    @Test
    void refWithNoOrSeveralDefinitionsIsNamed() {
        var none = planError(PIPELINE, List.of("reports/daily/date=2026-11-01", "reports/monthly/m=11"));
        assertThat(none.errors()).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("partitions[1]");
            assertThat(e.message()).contains("no job definition produces 'reports/monthly/m=11'").contains("raw/events/date={date}");
        });
        Graph ambiguous = GraphFileTest.parse("""
                jobs:
                  any: {outputs: ["t/{x}"], command: "./any.sh"}
                  digits: {outputs: ["t/{n:[0-9]+}"], command: "./digits.sh"}
                """);
        assertThat(plan(ambiguous, List.of("t/abc")).jobs()).extracting(Plan.PlannedJob::definition).containsExactly("any");
        assertThat(planError(ambiguous, List.of("t/42")).getMessage())
                .contains("'t/42' matches outputs of several definitions: any (t/{x}), digits (t/{n:[0-9]+})");
        assertThat(planError(PIPELINE, List.of("bad ref")).getMessage()).contains("no blanks");
    }

    @Test
    void aMissingInputIsReportedOnceAndManyProblemsAreCapped() {
        Graph g = GraphFileTest.parse("jobs:\n  a: {outputs: [\"a/{x}\"], inputs: [\"src/all\"], command: ./a.sh}\n");
        var refs = IntStream.range(0, 500).mapToObj(i -> "a/" + i).toList();
        assertThat(planError(g, refs).errors()).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("no job definition produces 'src/all' (input of a for a/0)"));
        var bad = IntStream.range(0, 500).mapToObj(i -> "b/" + i).toList();
        var errors = planError(g, bad).errors();
        assertThat(errors).hasSize(Planner.MAX_ERRORS + 1);
        assertThat(errors.getLast().message()).isEqualTo("and 400 more problems like these");
    }

    @Test
    void aPlanThatNeverEndsIsRefused() {
        Graph g = GraphFileTest.parse("jobs:\n  a: {outputs: [\"a/{x}\"], inputs: [\"a/{x}x\"], command: ./a.sh}\n");
        var e = catchThrowableOfType(PlanException.class, () -> Planner.plan(g, List.of("a/1"), false, PartitionLookup.NOTHING_BUILT, 50));
        assertThat(e.getMessage()).contains("grows past 50 partitions").contains("ever longer refs");
    }

    @Test
    void missingInputDefinitionNamesWhoNeedsIt() {
        Graph g = GraphFileTest.parse("jobs:\n  a: {outputs: [\"a/{x}\"], inputs: [\"src/{x}\"], command: ./a.sh}\n");
        assertThat(planError(g, List.of("a/1")).errors()).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("jobs.a.inputs[0]");
            assertThat(e.message()).contains("no job definition produces 'src/1' (input of a for a/1)");
        });
    }

    @Test
    void availablePartitionsAreSkippedUnlessForced() {
        var known = new Known().with("clean/events/date=2026-11-01", PartitionState.AVAILABLE)
                .with("reports/daily/date=2026-11-02", PartitionState.AVAILABLE);
        var refs = List.of("reports/daily/date=2026-11-01", "reports/daily/date=2026-11-02");
        Plan p = Planner.plan(PIPELINE, refs, false, known);
        assertThat(keys(p)).containsExactly("daily_report#1"); // its input is available: not rebuilt, not expanded
        assertThat(job(p, "daily_report#1").partitions()).containsExactly("reports/daily/date=2026-11-01");
        assertThat(job(p, "daily_report#1").dependsOn()).isEmpty();
        assertThat(p.skipped()).extracting(Plan.Skipped::ref).containsExactly("clean/events/date=2026-11-01", "reports/daily/date=2026-11-02");
        assertThat(p.requested()).extracting(Plan.Requested::outcome).containsExactly(Plan.Outcome.BUILD, Plan.Outcome.SKIP);
        assertThat(known.asked).hasSize(2); // one question per level
        assertThat(known.asked.get(0)).containsExactlyInAnyOrderElementsOf(refs);

        Plan forced = Planner.plan(PIPELINE, refs, true, known);
        // force rebuilds what was requested; available inputs stay skipped
        assertThat(keys(forced)).containsExactly("ingest#1", "clean#1", "daily_report#1");
        assertThat(job(forced, "daily_report#1").partitions()).containsExactlyElementsOf(refs);
        assertThat(forced.skipped()).extracting(Plan.Skipped::ref).containsExactly("clean/events/date=2026-11-01");
    }

    @Test
    void partitionsAnotherBuildMakesAreDelegated() {
        var known = new Known().with("clean/events/date=2026-11-01", new PartitionState.InFlight("build-7"))
                .with("reports/daily/date=2026-11-02", new PartitionState.InFlight("build-9"));
        Plan p = Planner.plan(PIPELINE, List.of("reports/daily/date=2026-11-01", "reports/daily/date=2026-11-02"), true, known);
        assertThat(keys(p)).containsExactly("daily_report#1");
        assertThat(job(p, "daily_report#1").waitsForBuilds()).containsExactly("build-7");
        assertThat(p.delegated()).extracting(d -> d.ref() + "@" + d.buildId())
                .containsExactly("clean/events/date=2026-11-01@build-7", "reports/daily/date=2026-11-02@build-9");
        assertThat(p.requested().get(1)).satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Plan.Outcome.DELEGATE);
            assertThat(r.buildId()).isEqualTo("build-9");
        });
    }

    @Test
    void valuesAreShellQuotedInTheCommand() {
        Plan p = plan(PIPELINE, List.of("raw/events/date=$(touch${IFS}pwned)';x"));
        assertThat(p.jobs().get(0).spec().command()).isEqualTo("./ingest.sh '$(touch${IFS}pwned)'\\'';x'");
        assertThat(p.jobs().get(0).spec().env()).containsEntry("date", "$(touch${IFS}pwned)';x");
    }

    @Test
    void oneRunMakesEveryOutputAndConfigNeedsAPlanningStep() {
        Graph g = GraphFileTest.parse("""
                jobs:
                  split:
                    outputs: ["good/{d}", "bad/{d}"]
                    command: ./split.sh {d}
                  weekly:
                    outputs: ["weekly/{w}"]
                    inputs: ["good/{w}"]
                    config: ./configure-weekly.sh
                    command: ./weekly.sh {w}
                    name: weekly summary
                """);
        Plan p = plan(g, List.of("bad/1", "weekly/1"));
        assertThat(keys(p)).containsExactly("split#1", "weekly#1");
        assertThat(job(p, "split#1").partitions()).containsExactly("good/1", "bad/1");
        assertThat(job(p, "split#1").needsConfigStep()).isFalse();
        assertThat(job(p, "weekly#1").needsConfigStep()).isTrue();
        assertThat(job(p, "weekly#1").config()).isEqualTo("./configure-weekly.sh");
        assertThat(job(p, "weekly#1").spec().name()).isEqualTo("weekly summary");
    }

    @Test
    void whatAConfigStepSaidReplacesTheInputTemplatesAndAddsArgumentsAndEnv() {
        Graph g = GraphFileTest.parse("""
                jobs:
                  raw:
                    outputs: ["raw/{d}"]
                    command: ./raw.sh {d}
                  weekly:
                    outputs: ["weekly/{w}"]
                    inputs: ["raw/{w}"]
                    config: ./configure-weekly.sh
                    command: ./weekly.sh {w}
                    batch: 2
                """);
        var configured = java.util.Map.of(
                "weekly/1", new Planner.Configured(List.of("raw/1a", "raw/1b"), List.of("--since", "a b"), java.util.Map.of("MODE", "fast")),
                "weekly/2", new Planner.Configured(List.of(), List.of(), java.util.Map.of("MODE", "full")));
        Plan p = Planner.plan(g, List.of("weekly/1", "weekly/2"), false, PartitionLookup.NOTHING_BUILT, configured);
        assertThat(keys(p)).containsExactly("raw#1", "raw#2", "weekly#1");
        assertThat(job(p, "raw#1").partitions()).containsExactly("raw/1a");
        Plan.PlannedJob weekly = job(p, "weekly#1");
        assertThat(weekly.dependsOn()).containsExactly("raw#1", "raw#2");
        assertThat(weekly.spec().command()).isEqualTo("./weekly.sh 1 2 --since 'a b'");
        assertThat(weekly.spec().env()).containsEntry("MODE", "full");
        // without what the step said, the templates stand
        assertThat(keys(plan(g, List.of("weekly/1")))).containsExactly("raw#1", "weekly#1");
        var bad = java.util.Map.of("weekly/1", new Planner.Configured(List.of("nothing/1"), List.of(), java.util.Map.of()));
        assertThat(catchThrowableOfType(PlanException.class, () -> Planner.plan(g, List.of("weekly/1"), false,
                PartitionLookup.NOTHING_BUILT, bad)).errors().get(0).field()).isEqualTo("jobs.weekly.config(weekly/1).inputs[0]");
    }

    @Test
    void tenThousandPartitionsOfATwoLevelGraph() {
        Graph g = GraphFileTest.parse("""
                jobs:
                  clean: {outputs: ["clean/day={d}"], command: "./clean.sh {d}"}
                  report: {outputs: ["report/day={d}"], inputs: ["clean/day={d}"], command: "./report.sh {d}", batch: 100}
                """);
        var refs = IntStream.range(0, 10_000).mapToObj(i -> "report/day=" + i).toList();
        Plan p = plan(g, refs);
        assertThat(p.jobs()).hasSize(10_000 + 100);
        assertThat(p.jobs().get(10_000).dependsOn()).hasSize(100);
    }
}
