package dev.kiln.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonBuffersTest {
    /**
     * The server parses each agent frame and request on a virtual thread of its own: Jackson's buffers must be kept
     * for the next thread, not per thread (that pool counts nothing: -1), or every parse allocates them anew.
     */
    @Test
    void parseBuffersOutliveTheVirtualThreadThatUsedThem() throws Exception {
        var pool = Json.MAPPER.getFactory()._getRecyclerPool();
        Thread.ofVirtual().start(() -> {
            try {
                Json.MAPPER.readValue("{\"type\":\"heartbeat\"}", AgentMessage.class);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).join();
        assertThat(pool.pooledCount()).isPositive();
    }
}
