package dev.kiln.agent;

/** An attempt could not start: the message says why, for the job's log and its error. */
final class StartFailure extends Exception {
    StartFailure(String message) {
        super(message);
    }
}
