package dev.kiln.server.http;

/** A client error found at the HTTP edge (bad parameter, wrong content type, body too large). */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String title;

    public ApiException(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public int status() { return status; }
    public String title() { return title; }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "Bad request", detail);
    }
}
