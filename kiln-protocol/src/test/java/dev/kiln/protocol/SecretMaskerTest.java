package dev.kiln.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {
    final SecretMasker masker = new SecretMasker(List.of("abc", "abcdef", "", "hunter2"));

    @Test
    void eachRunOfSecretsBecomesOneMask() {
        assertThat(masker.mask("x abcdef y abc z")).isEqualTo("x *** y *** z");
        assertThat(masker.mask("abchunter2abc")).isEqualTo("***");
        assertThat(masker.mask("plain")).isSameAs("plain");
        assertThat(SecretMasker.NONE.mask("abc")).isEqualTo("abc");
    }

    @Test
    void overlappingSecretsAreHiddenWholeWhateverTheirOrder() {
        var overlapping = new SecretMasker(List.of("xab", "abc"));
        assertThat(overlapping.mask("-xabc-")).isEqualTo("-***-");
    }

    @Test
    void eachLineOfAMultiLineSecretIsASecretToo() {
        var pem = new SecretMasker(List.of("BEGIN KEY\r\nMIIBOgIBAAJBAK\nEND KEY"));
        assertThat(pem.mask("key: MIIBOgIBAAJBAK")).isEqualTo("key: ***");
    }

    @Test
    void masksEveryStringOfJsonKeysIncluded() {
        Object masked = masker.maskJson(Map.of("kind", "k", "abc", List.of(1, Map.of("deep", "a hunter2 b")), "n", 2));
        assertThat(masked).isEqualTo(Map.of("kind", "k", "***", List.of(1, Map.of("deep", "a *** b")), "n", 2));
    }

    @Test
    void aCutNeverSplitsASecret() {
        String text = "....hunter2....";
        assertThat(masker.safeCut(text, 2)).isEqualTo(2);
        assertThat(masker.safeCut(text, 6)).isEqualTo(4);   // inside the secret: before it
        assertThat(masker.safeCut(text, 11)).isEqualTo(11); // right after it
        var repeated = new SecretMasker(List.of("aaaa"));
        String run = "a".repeat(10) + "b";
        assertThat(repeated.safeCut(run, 5)).isEqualTo(10); // back to back from the start: after the run
    }
}
