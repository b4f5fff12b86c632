package dev.kiln.server.core;

/** A job was asked to move to a status its current status does not lead to. Rendered as HTTP 409. */
public final class IllegalTransitionException extends RuntimeException {
    private final JobStatus from;
    private final JobStatus to;

    public IllegalTransitionException(String jobId, JobStatus from, JobStatus to) {
        super("job " + jobId + " is " + from.wireName() + " and cannot become " + to.wireName());
        this.from = from;
        this.to = to;
    }

    public IllegalTransitionException(String message) {
        super(message);
        this.from = null;
        this.to = null;
    }

    public JobStatus from() { return from; }
    public JobStatus to() { return to; }
}
