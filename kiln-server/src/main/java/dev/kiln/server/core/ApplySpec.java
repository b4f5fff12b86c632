package dev.kiln.server.core;

import java.util.Map;

/**
 * What applying a succeeded job means (seed 002's PLAN → DEPLOY): the command the new job runs, its type and the
 * labels an agent must have. The new job gets the applied job's artifacts in its workspace, checked by SHA-256.
 */
public record ApplySpec(String command, String type, Map<String, String> labels) {
    public static final String DEFAULT_TYPE = "deploy";

    public ApplySpec {
        type = type == null ? DEFAULT_TYPE : type;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
