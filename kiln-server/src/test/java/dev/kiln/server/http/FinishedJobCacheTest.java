package dev.kiln.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FinishedJobCacheTest {
    @Test
    void keepsTheMostRecentlyUsedUpToItsCapacity() {
        var cache = new FinishedJobCache(2);
        cache.put("a", new byte[] {1});
        cache.put("b", new byte[] {2});
        assertThat(cache.get("a")).containsExactly(1); // a is now the most recently used
        cache.put("c", new byte[] {3});
        assertThat(cache.get("b")).isNull();
        assertThat(cache.get("a")).containsExactly(1);
        assertThat(cache.get("c")).containsExactly(3);
    }
}
