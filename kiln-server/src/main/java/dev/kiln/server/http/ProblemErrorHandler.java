package dev.kiln.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The errors Jetty answers itself, before a request reaches Javalin (a bad request line or URI encoding, a URL or
 * headers too large, an unknown HTTP version), as problem+json like every other error, instead of Jetty's HTML page.
 * Neither the request's text nor Jetty's reason is logged: a URL or header may hold a token.
 */
final class ProblemErrorHandler extends ErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemErrorHandler.class);

    private final ObjectMapper mapper;
    private final RateLimitedLog oversized = new RateLimitedLog(log, Duration.ofMinutes(1));

    ProblemErrorHandler(ObjectMapper mapper) {
        this.mapper = mapper;
        setShowStacks(false);
        setShowServlet(false);
    }

    /** Requests Jetty could not parse: there is no servlet request, only the status and Jetty's reason. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        if (status == 414 || status == 431) oversized.warn("refused a request: " + status + " " + titleFor(status));
        else log.debug("refused a request Jetty could not parse: {} {}", status, reason);
        fields.put(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);
        return ByteBuffer.wrap(body(status));
    }

    /** Errors Jetty raises while it dispatches (e.g. an ambiguous URI): for every method, not only GET and POST. */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request, HttpServletResponse response,
                                              int code, String message) throws IOException {
        log.debug("Jetty answered {} {} with {}", request.getMethod(), request.getRequestURI(), code);
        byte[] body = body(code);
        response.setContentType(Problem.CONTENT_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        baseRequest.setHandled(true);
    }

    private byte[] body(int status) {
        try {
            return mapper.writeValueAsBytes(Problem.of(status, titleFor(status), detailFor(status)));
        } catch (JsonProcessingException e) {
            return ("{\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    static String titleFor(int status) {
        return switch (status) {
            case 400 -> "Bad request";
            case 413 -> "Content too large";
            case 414 -> "URI too long";
            case 431 -> "Request header fields too large";
            case 505 -> "HTTP version not supported";
            default -> "Error";
        };
    }

    static String detailFor(int status) {
        return switch (status) {
            case 400 -> "the request could not be parsed: check the request line, that the URL is percent-encoded "
                    + "(UTF-8, no raw spaces or control characters) and that the headers are well formed";
            case 413 -> "the request is too large; job bodies are at most " + Requests.MAX_BODY_BYTES / (1024 * 1024)
                    + " MiB and artifacts are uploaded by the agent endpoint";
            case 414 -> "the URL is too long (at most 8 KiB); send large values in a JSON body instead of the query";
            case 431 -> "the request headers are too large (at most 8 KiB in all); send fewer or shorter headers and cookies";
            case 505 -> "this server speaks HTTP/1.1 (and HTTP/1.0); send the request with HTTP/1.1";
            default -> "the server could not handle this request (HTTP " + status + ")";
        };
    }
}
