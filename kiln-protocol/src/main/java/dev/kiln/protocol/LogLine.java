package dev.kiln.protocol;

/** One line of a job's log as captured: when, which stream, the text without its line terminator. */
public record LogLine(long timestampNs, LogStream stream, String text) {}
