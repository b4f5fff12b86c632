package dev.kiln.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.server.core.Role;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The OpenAPI 3.1 document of the API: the operations written in {@code api/openapi.yaml} (summaries, bodies,
 * schemas, examples), joined with the route table, which alone says what each route needs — its role
 * ({@code x-kiln-role}, {@code security}) and so its 401/403 answers. Only operations of real routes are served.
 * {@link #undocumented()} and {@link #unrouted()} name the routes and operations that do not meet, for the test that
 * keeps the two together.
 */
public final class OpenApiDocument {
    static final String RESOURCE = "/api/openapi.yaml";
    private static final String PROBLEM = "#/components/responses/";
    private static final String JOB_ID = "#/components/parameters/JobId";

    private final ObjectNode document;
    private final List<String> undocumented = new ArrayList<>();
    private final List<String> unrouted = new ArrayList<>();

    OpenApiDocument(List<ApiServer.Route> routes, ObjectMapper mapper) {
        ObjectNode written = read(mapper);
        ObjectNode writtenPaths = (ObjectNode) written.get("paths");
        ObjectNode paths = mapper.createObjectNode();
        var used = new HashSet<String>();
        for (ApiServer.Route route : routes) {
            String path = openApiPath(route.path());
            String method = route.method().name().toLowerCase(Locale.ROOT);
            JsonNode op = writtenPaths.path(path).get(method);
            if (op == null) {
                undocumented.add(route.method() + " " + route.path());
                continue;
            }
            used.add(method + " " + path);
            // an operation shared by two methods (a YAML alias) is copied, so each gets its own role
            paths.withObjectProperty(path).set(method, withRole(op.deepCopy(), route.role(), mapper));
        }
        writtenPaths.properties().forEach(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (!used.contains(m + " " + p.getKey())) unrouted.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
        }));
        written.set("paths", paths);
        this.document = written;
    }

    /** The document as served. */
    public ObjectNode json() {
        return document;
    }

    /** Routes of the route table with no operation in the document ("GET /api/v1/jobs"). */
    public List<String> undocumented() {
        return List.copyOf(undocumented);
    }

    /** Operations of the document with no route (a route was removed, or its path or method mistyped). */
    public List<String> unrouted() {
        return List.copyOf(unrouted);
    }

    private static ObjectNode withRole(ObjectNode op, Role role, ObjectMapper mapper) {
        String name = role.name().toLowerCase(Locale.ROOT);
        op.put("x-kiln-role", name);
        var responses = (ObjectNode) op.get("responses");
        String needs;
        if (role == Role.PUBLIC) {
            op.set("security", mapper.createArrayNode()); // none
            needs = "Public: no credentials needed.";
        } else {
            ArrayNode security = op.putArray("security");
            security.addObject().putArray("bearerAuth");
            if (role != Role.AGENT) security.addObject().putArray("sessionCookie");
            responses.putIfAbsent("401", ref("Unauthorized", mapper));
            responses.putIfAbsent("403", ref("Forbidden", mapper));
            needs = role == Role.AGENT ? "Needs an agent token." : "Needs the " + name + " role or higher.";
        }
        responses.putIfAbsent("default", ref("Problem", mapper));
        if (takesJobRef(op)) {
            // JobRefs: a prefix too short is a 400, a prefix of several jobs a 409 naming them
            responses.putIfAbsent("400", ref("BadRequest", mapper));
            responses.putIfAbsent("409", ref("Ambiguous", mapper));
        }
        String description = op.path("description").asText("");
        op.put("description", description.isEmpty() ? needs : description + "\n\n" + needs);
        return op;
    }

    /** Whether the operation's {@code {id}} is a job reference ({@link JobRefs}): it uses the JobId parameter. */
    private static boolean takesJobRef(JsonNode op) {
        for (JsonNode p : op.path("parameters")) {
            if (JOB_ID.equals(p.path("$ref").asText())) return true;
        }
        return false;
    }

    private static ObjectNode ref(String response, ObjectMapper mapper) {
        return mapper.createObjectNode().put("$ref", PROBLEM + response);
    }

    /** Javalin's {@code <name>} (a parameter that may hold slashes) is an ordinary path parameter in OpenAPI. */
    static String openApiPath(String javalinPath) {
        return javalinPath.replace('<', '{').replace('>', '}');
    }

    /** Read with SnakeYAML, which expands the file's aliases (an operation shared by PUT and POST). */
    private static ObjectNode read(ObjectMapper mapper) {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
            return mapper.valueToTree(tree);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
