package dev.kiln.protocol;

/** Where a log line came from: the job's stdout or stderr, or Kiln itself (checkout, start, exit, cancel). */
public enum LogStream { STDOUT, STDERR, SYSTEM }
