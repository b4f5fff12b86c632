package dev.kiln.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.artifacts.ArtifactFiles;
import dev.kiln.server.core.FileRef;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.jobs.JobSpecParser;
import io.javalin.http.Context;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A submit as {@code multipart/form-data} (seed 004's file inputs): a {@code spec} part with the job as JSON, first,
 * then {@code input} parts, each a file whose name is its path in the workspace. The spec comes first so that a job
 * refused as invalid stores no file. Jetty writes every part past 64 KiB to a
 * file under {@code tmp} as it arrives; each is then copied into the content-addressed files while hashed. So an
 * upload costs the server a few buffers of heap, whatever its size; a file over {@code maxBytes} is a 413.
 */
final class InputUploads {
    static final String JETTY_MULTIPART_CONFIG = "org.eclipse.jetty.multipartConfig";
    private static final int IN_MEMORY_BYTES = 64 * 1024;

    private final ArtifactFiles files;
    private final Path tmp;
    private final long maxBytes;
    private final ObjectMapper mapper;

    InputUploads(ArtifactFiles files, Path tmp, long maxBytes, ObjectMapper mapper) {
        this.files = files;
        this.tmp = tmp;
        this.maxBytes = maxBytes;
        this.mapper = mapper;
    }

    static boolean isMultipart(Context ctx) {
        String type = ctx.contentType();
        return type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data");
    }

    /** The job the parts describe, its input files stored. */
    JobSpec read(Context ctx) {
        Collection<Part> parts = parts(ctx);
        try {
            JobSpec spec = null;
            var inputs = new ArrayList<FileRef>();
            Set<String> paths = new HashSet<>();
            for (Part part : parts) {
                switch (part.getName()) {
                    case "spec" -> {
                        if (spec != null) throw ApiException.badRequest("the 'spec' part is given twice");
                        spec = JobSpecParser.parse(spec(part));
                    }
                    case "input" -> {
                        if (spec == null) throw ApiException.badRequest("send the 'spec' part before the 'input' parts");
                        String path = part.getSubmittedFileName();
                        if (!ArtifactsApi.isWorkspacePath(path)) {
                            throw ApiException.badRequest("input file name '" + Requests.abbreviate(String.valueOf(path))
                                    + "' must be a relative path inside the workspace, e.g. data/input.csv");
                        }
                        if (!paths.add(path)) throw ApiException.badRequest("input '" + path + "' is given twice");
                        inputs.add(store(part, path));
                    }
                    default -> throw ApiException.badRequest("unknown part '" + Requests.abbreviate(part.getName())
                            + "'; send the job as a 'spec' part (JSON) and each file as an 'input' part");
                }
            }
            if (spec == null) throw ApiException.badRequest("a multipart submit needs a 'spec' part: the job as JSON");
            return spec.withInputs(inputs);
        } finally {
            for (Part part : parts) {
                try {
                    part.delete();
                } catch (IOException ignored) {
                    // Jetty removes what is left of its temporary files when the request ends
                }
            }
        }
    }

    private Collection<Part> parts(Context ctx) {
        try {
            Files.createDirectories(tmp);
            ctx.req().setAttribute(JETTY_MULTIPART_CONFIG,
                    new MultipartConfigElement(tmp.toString(), maxBytes, -1, IN_MEMORY_BYTES));
            return ctx.req().getParts();
        } catch (IllegalStateException tooLarge) {
            // Jetty: "Multipart Mime part … exceeds max filesize"
            throw new ApiException(413, "Content too large", "an input file is larger than " + maxBytes
                    + " bytes (the server's --max-input-size)");
        } catch (IOException | ServletException e) {
            throw ApiException.badRequest("the multipart body could not be read: " + e.getMessage());
        }
    }

    private JsonNode spec(Part part) {
        if (part.getSize() > Requests.MAX_BODY_BYTES) {
            throw new ApiException(413, "Content too large", "the 'spec' part is larger than " + Requests.MAX_BODY_BYTES + " bytes");
        }
        try (InputStream in = part.getInputStream()) {
            return mapper.readTree(in);
        } catch (IOException e) {
            throw ApiException.badRequest("the 'spec' part is not valid JSON: " + e.getMessage());
        }
    }

    private FileRef store(Part part, String path) {
        try (InputStream in = part.getInputStream()) {
            var stored = files.store(in, maxBytes);
            return new FileRef(path, stored.sha256(), stored.size());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not store input '" + path + "'", e);
        }
    }
}
