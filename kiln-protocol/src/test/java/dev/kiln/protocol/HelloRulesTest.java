package dev.kiln.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HelloRulesTest {
    static AgentMessage.Hello hello(String id, String name, Map<String, List<String>> labels, int capacity, String version) {
        return new AgentMessage.Hello(id, name, labels, capacity, version, List.of());
    }

    @Test
    void aHelloAsTheAgentSendsItIsValid() {
        var ok = hello("0193f6c2-7d7e-4c2e-9f0e-1a2b3c4d5e6f", "build-7", Map.of("arch", List.of("x86_64"),
                "toolchain", List.of("gcc-12", "jdk-21")), 4, "0.1.0");
        assertThat(HelloRules.problems(ok)).isEmpty();
    }

    @Test
    void eachBrokenFieldIsNamed() {
        assertThat(HelloRules.problems(hello("a\u0000b", "n", Map.of(), 1, "1"))).singleElement().asString().startsWith("agent_id");
        assertThat(HelloRules.problems(hello("x".repeat(65), "n", Map.of(), 1, "1"))).singleElement().asString().startsWith("agent_id");
        assertThat(HelloRules.problems(hello(null, "n", Map.of(), 1, "1"))).singleElement().asString().startsWith("agent_id");
        assertThat(HelloRules.problems(hello("a", "bad\nname", Map.of(), 1, "1"))).singleElement().asString().startsWith("name");
        assertThat(HelloRules.problems(hello("a", "n", Map.of(), -1, "1"))).singleElement().asString().startsWith("capacity");
        assertThat(HelloRules.problems(hello("a", "n", Map.of(), HelloRules.MAX_CAPACITY + 1, "1"))).singleElement().asString().startsWith("capacity");
        assertThat(HelloRules.problems(hello("a", "n", Map.of(), 1, null))).singleElement().asString().startsWith("version");
        assertThat(HelloRules.problems(hello("a", "n", Map.of("bad key", List.of("v")), 1, "1"))).singleElement().asString().contains("label key");
        assertThat(HelloRules.problems(hello("a", "n", Map.of("k", List.of("v\u0001")), 1, "1"))).singleElement().asString().contains("'k'");
        assertThat(HelloRules.problems(hello("a", "n", Map.of("k", List.of()), 1, "1"))).singleElement().asString().contains("'k'");
    }
}
