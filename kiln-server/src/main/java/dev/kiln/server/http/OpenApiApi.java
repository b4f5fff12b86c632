package dev.kiln.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;

/** {@code GET /api/openapi.json} (the {@link OpenApiDocument}) and {@code GET /api/docs} (Swagger UI over it). */
final class OpenApiApi {
    private final OpenApiDocument document;
    private final byte[] json;
    private final String page;

    OpenApiApi(List<ApiServer.Route> routes, ObjectMapper mapper) {
        this.document = new OpenApiDocument(routes, mapper);
        try {
            this.json = mapper.writeValueAsBytes(document.json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the OpenAPI document does not serialize", e);
        }
        this.page = resource("/api/docs.html").replace("SWAGGER_UI_VERSION", swaggerUiVersion());
    }

    OpenApiDocument document() {
        return document;
    }

    void openApi(Context ctx) {
        ctx.contentType("application/json").result(json);
    }

    void docs(Context ctx) {
        ctx.html(page);
    }

    /** The Swagger UI webjar's version, from its own metadata, so a version bump in the pom needs nothing else. */
    private static String swaggerUiVersion() {
        try (InputStream in = OpenApiApi.class.getResourceAsStream("/META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (in == null) throw new IllegalStateException("the swagger-ui webjar is missing from the classpath");
            var p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = OpenApiApi.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
