package dev.kiln.server.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class PartitionPatternTest {

    @Test
    void placeholderMatchesOneSegmentAndRenders() {
        var p = PartitionPattern.parse("reports/daily/date={date}/region={region_id}");
        assertThat(p.match("reports/daily/date=2026-11-01/region=eu")).contains(Map.of("date", "2026-11-01", "region_id", "eu"));
        assertThat(p.match("reports/daily/date=2026/11/region=eu")).isEmpty();
        assertThat(p.match("reports/daily/date=/region=eu")).isEmpty();
        assertThat(p.render(Map.of("date", "2026-11-02", "region_id", "us"))).isEqualTo("reports/daily/date=2026-11-02/region=us");
    }

    @Test
    void regexNarrowsAndMayHoldBraces() {
        var p = PartitionPattern.parse("raw/date={date:\\d{4}-\\d{2}-\\d{2}}");
        assertThat(p.match("raw/date=2026-11-01")).contains(Map.of("date", "2026-11-01"));
        assertThat(p.match("raw/date=yesterday")).isEmpty();
        // a regex narrows [^/]+, never widens it
        assertThat(PartitionPattern.parse("a/{x:.+}").match("a/b/c")).isEmpty();
    }

    @Test
    void literalBracesAndShellVariablesStayText() {
        var t = Template.parse("echo ${HOME} {{x}} {date}", false);
        assertThat(t.names()).containsExactly("date");
        assertThat(t.render(Map.of("date", "d1"))).isEqualTo("echo ${HOME} {x} d1");
    }

    @Test
    void badPatternsSayWhy() {
        assertThatThrownBy(() -> PartitionPattern.parse("a/{d:[0-9}")).hasMessageContaining("invalid regex");
        assertThatThrownBy(() -> PartitionPattern.parse("a/{x}/{x}")).hasMessageContaining("appears twice");
        assertThatThrownBy(() -> PartitionPattern.parse("a/{x")).hasMessageContaining("never closed");
        assertThatThrownBy(() -> PartitionPattern.parse("a/{9x}")).hasMessageContaining("not a placeholder");
        assertThatThrownBy(() -> Template.parse("run {d:\\d+}", false)).hasMessageContaining("output patterns only");
    }

    @Test
    void overlapTreatsPlaceholdersAsSegments() {
        var input = Template.parse("clean/events/date={date}", false);
        assertThat(PartitionPattern.mayOverlap(input, Template.parse("clean/events/date={d}", true))).isTrue();
        assertThat(PartitionPattern.mayOverlap(input, Template.parse("clean/{kind}/date={d}", true))).isTrue();
        assertThat(PartitionPattern.mayOverlap(input, Template.parse("raw/events/date={d}", true))).isFalse();
        // a placeholder never spans a '/'
        assertThat(PartitionPattern.mayOverlap(Template.parse("a/{x}", false), Template.parse("a/{y}/z", true))).isFalse();
        assertThat(PartitionPattern.mayOverlap(Template.parse("a/{x}/z", false), Template.parse("a/{y}", true))).isFalse();
    }

    @Test
    void refsHaveNoBlanks() {
        assertThat(PartitionPattern.refProblem("reports/daily/date=2026-11-01")).isNull();
        assertThat(PartitionPattern.refProblem("a b")).contains("no blanks");
        assertThat(PartitionPattern.refProblem("")).contains("empty");
        assertThat(PartitionPattern.refProblem("x".repeat(PartitionPattern.MAX_REF_CHARS + 1))).contains("at most");
    }

    /** Any values rendered into a pattern match back to themselves, and the ref renders back to the same ref. */
    @Property(tries = 500)
    void renderOfMatchIsTheRef(@ForAll("segments") String a, @ForAll("segments") String b, @ForAll("segments") String lit) {
        var p = PartitionPattern.parse("t/" + lit + "/a={a}/b={b}.x");
        String ref = p.render(Map.of("a", a, "b", b));
        var values = p.match(ref);
        assertThat(values).isPresent();
        assertThat(p.render(values.get())).isEqualTo(ref);
        assertThat(values.get().get("a")).isEqualTo(a);
    }

    @Provide
    Arbitrary<String> segments() {
        // any characters but '/' and the braces a literal would need to escape
        return Arbitraries.strings().withCharRange('!', '~').withChars('é', '日').excludeChars('/', '{', '}')
                .ofMinLength(1).ofMaxLength(20);
    }
}
