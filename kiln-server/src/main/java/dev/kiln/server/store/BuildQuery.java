package dev.kiln.server.store;

/** A page of builds, newest first: of {@code status} (null: any), that requested {@code partition} (null: any), before the build seq {@code beforeSeq} (0: from the newest). */
public record BuildQuery(String status, String partition, long beforeSeq, int limit) {}
