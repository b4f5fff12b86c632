package dev.kiln.server.logs;

import dev.kiln.protocol.LogLine;

/** A stored log line with its number within the attempt (from 1). */
public record NumberedLine(long number, LogLine line) {}
