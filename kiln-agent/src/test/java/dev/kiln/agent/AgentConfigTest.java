package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
    @Test
    void parsesScalarAndListLabels() {
        var labels = AgentConfig.parseLabels("arch=arm64,toolchain=[gcc-12,jdk-21],os=linux, zone=a|b");
        assertThat(labels).containsEntry("arch", List.of("arm64"))
                .containsEntry("toolchain", List.of("gcc-12", "jdk-21"))
                .containsEntry("os", List.of("linux"))
                .containsEntry("zone", List.of("a", "b"));
        assertThat(AgentConfig.parseLabels("")).isEmpty();
        assertThat(AgentConfig.parseLabels(null)).isEmpty();
    }

    @Test
    void malformedLabelsSayWhatIsWrong() {
        assertThatThrownBy(() -> AgentConfig.parseLabels("arm64")).hasMessageContaining("key=value");
        assertThatThrownBy(() -> AgentConfig.parseLabels("toolchain=[gcc")).hasMessageContaining("]");
        assertThatThrownBy(() -> AgentConfig.parseLabels("a=1,a=2")).hasMessageContaining("twice");
        assertThatThrownBy(() -> AgentConfig.parseLabels("bad key=1")).hasMessageContaining("not valid");
        assertThatThrownBy(() -> AgentConfig.parseLabels("t=[]")).hasMessageContaining("empty");
        assertThatThrownBy(() -> AgentConfig.parseLabels("a=")).hasMessageContaining("invalid value");
    }

    @Test
    void detectedLabelsAreNormalised() {
        assertThat(LabelDetector.arch("amd64")).isEqualTo("x86_64");
        assertThat(LabelDetector.arch("aarch64")).isEqualTo("arm64");
        assertThat(LabelDetector.os("Linux")).isEqualTo("linux");
        assertThat(LabelDetector.os("Mac OS X")).isEqualTo("macos");
        assertThat(LabelDetector.merged(AgentConfig.parseLabels("arch=riscv64"))).containsEntry("arch", List.of("riscv64"))
                .containsKey("cpus");
    }
}
