package dev.kiln.server.store;

/** A page of partitions in ref order: those starting with {@code prefix} (empty: all), of {@code status} (null: any), after the ref {@code afterRef} (null: from the first). */
public record PartitionQuery(String prefix, String status, String afterRef, int limit) {
    public PartitionQuery {
        prefix = prefix == null ? "" : prefix;
    }
}
