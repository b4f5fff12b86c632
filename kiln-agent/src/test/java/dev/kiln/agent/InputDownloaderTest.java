package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.kiln.protocol.InputFile;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.SecretMasker;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input files: fetched with the agent's token into the workspace, each checked by SHA-256 before the command. */
class InputDownloaderTest {
    static final byte[] PLAN = "+ aws_vpc.main\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path workspace;
    HttpServer server;
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final List<LogLine> lines = new CopyOnWriteArrayList<>();
    InputDownloader downloader;
    JobLog log;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/files/", exchange -> {
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            boolean found = exchange.getRequestURI().getPath().endsWith("/plan");
            byte[] body = found ? PLAN : "{\"detail\":\"no such input\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(found ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        URI ws = URI.create("ws://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/agent/ws");
        downloader = new InputDownloader(ServerHttp.of(ws, "agent-token"));
        log = new JobLog(lines::add, new SecretMasker(List.of()));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void aFileWithTheNamedHashIsPlacedAtItsPathWithTheAgentsToken() throws Exception {
        downloader.download(List.of(new InputFile("plans/plan.tfplan", sha256(PLAN), "/files/plan")), workspace, log);
        assertThat(Files.readAllBytes(workspace.resolve("plans/plan.tfplan"))).isEqualTo(PLAN);
        assertThat(authorizations).containsExactly("Bearer agent-token");
        assertThat(lines).extracting(LogLine::text).containsExactly("[agent] input plans/plan.tfplan verified (sha256 " + sha256(PLAN) + ")");
    }

    @Test
    void aFileWhoseHashDiffersIsDeletedAndTheAttemptDoesNotStart() throws Exception {
        String expected = "0".repeat(64);
        String actual = sha256(PLAN);
        assertThatThrownBy(() -> downloader.download(List.of(new InputFile("plan.tfplan", expected, "/files/plan")), workspace, log))
                .isInstanceOf(StartFailure.class)
                .hasMessage("input plan.tfplan failed its SHA-256 check: expected " + expected + ", got " + actual
                        + "; the command did not run");
        assertThat(workspace.resolve("plan.tfplan")).doesNotExist();
    }

    @Test
    void aMissingFileOrAPathOutsideTheWorkspaceIsAStartFailure() throws Exception {
        String sha = sha256(PLAN);
        assertThatThrownBy(() -> downloader.download(List.of(new InputFile("x", sha, "/files/gone")), workspace, log))
                .isInstanceOf(StartFailure.class).hasMessageContaining("input x could not be downloaded: HTTP 404");
        assertThatThrownBy(() -> downloader.download(List.of(new InputFile("../escape", sha, "/files/plan")), workspace, log))
                .isInstanceOf(StartFailure.class).hasMessage("input path '../escape' is outside the workspace");
        assertThat(workspace.resolveSibling("escape")).doesNotExist();
    }
}
