package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.kiln.server.it.AgentProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job page's follow-ups in Chromium: Apply on a succeeded plan (seed 002: a popover of the matching workers,
 * "auto" first, with their load → the deploy job's page) and Promote (seed 004: inline name → ✓, and the release's
 * page with its checksums); the input files a job got, listed in its request snapshot with their SHA-256.
 */
class FollowUpsPageIT extends BrowserTest {
    Process deployer;

    @BeforeAll
    void startDeployer(@TempDir Path dir) throws Exception {
        deployer = AgentProcess.launch(api, "deployer", "role=deploy", 2, dir.resolve("deployer"));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (JsonNode w : api.get("/api/v1/workers").json().get("workers")) {
                if (w.get("name").asText().equals("deployer") && w.get("state").asText().equals("online")) return true;
            }
            return false;
        });
    }

    @AfterAll
    void stopDeployer() throws Exception {
        if (deployer != null && deployer.isAlive()) {
            deployer.destroy();
            deployer.waitFor();
        }
    }

    String succeeded(Map<String, Object> spec) {
        String id = api.submit(spec).get("id").asText();
        JsonNode done = api.awaitStatus(id, Duration.ofSeconds(60), "succeeded", "failed");
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        return id;
    }

    void openJob(String id) {
        page.navigate(kiln.server.baseUrl() + "/jobs/" + id);
        assertThat(page.getByTestId("status")).isVisible();
    }

    @Test
    void applyOpensAPopoverOfMatchingWorkersAutoFirstAndGoesToTheDeployJob() {
        String plan = succeeded(Map.of("name", "network plan", "type", "plan", "server_id", "embedded",
                "command", "echo '+ aws_vpc.main' | tee plan.txt", "artifacts", List.of("plan.txt"),
                "apply", Map.of("command", "cat plan.txt", "type", "deploy", "labels", Map.of("role", "deploy"))));
        String notAPlan = succeeded(Map.of("name", "plain build", "command", "true"));
        signIn();
        openJob(notAPlan);
        assertThat(page.getByTestId("apply")).hasCount(0);

        openJob(plan);
        page.getByTestId("apply").click();
        Locator popover = page.getByTestId("apply-popover");
        assertThat(popover).isVisible();
        assertThat(popover.getByRole(com.microsoft.playwright.options.AriaRole.MENUITEM).first()).hasText(Pattern.compile("^\\s*auto\\b"));
        // only the workers whose labels meet apply.labels (role=deploy): the embedded agent has none
        assertThat(popover.getByTestId("apply-worker")).hasCount(1);
        assertThat(popover.getByTestId("apply-worker")).hasText(Pattern.compile("deployer\\s+\\d+/2 busy · load"));
        shots("apply-popover");

        popover.getByTestId("apply-worker").click();
        page.waitForURL(Pattern.compile(".*/jobs/(?!" + plan + ")[0-9a-f-]{36}$"));
        String deploy = page.url().substring(page.url().lastIndexOf('/') + 1);
        assertThat(page.getByTestId("applies")).hasText("applies " + plan.substring(0, 8));
        assertThat(page.getByTestId("status")).hasText("succeeded", new LocatorAssertions.HasTextOptions().setTimeout(60_000));
        JsonNode job = api.job(deploy);
        assertThat(job.get("agent_name").asText()).isEqualTo("deployer");

        // the plan's artifact is the deploy job's input: in its request snapshot with its SHA-256 and a download
        String sha = api.get("/api/v1/jobs/" + plan + "/artifacts").json().get("artifacts").get(0).get("sha256").asText();
        Locator snapshot = page.getByTestId("snapshot");
        snapshot.locator("summary").click();
        Locator inputs = snapshot.getByTestId("input-files");
        assertThat(inputs).containsText("plan.txt");
        assertThat(inputs).containsText("sha256 " + sha);
        assertThat(inputs.locator("a")).hasAttribute("href", "/api/v1/jobs/" + deploy + "/inputs/plan.txt");
        shots("apply-deploy-job");

        // back on the plan: it names the job applying it; applying again without force says why in the popover
        openJob(plan);
        assertThat(page.getByTestId("applied-by")).hasText("applied by " + deploy.substring(0, 8));
        expectedErrors.add("409");
        page.getByTestId("apply").click();
        page.getByTestId("apply-auto").click();
        assertThat(page.getByTestId("apply-error")).containsText("was applied already");
    }

    @Test
    void promoteShowsATickAndTheReleasePageListsItsChecksums() {
        String id = succeeded(Map.of("name", "train model", "command",
                "mkdir -p dist && echo weights > dist/model.bin && echo 'id,score' > dist/leaderboard.csv",
                "artifacts", List.of("dist/*")));
        signIn();
        openJob(id);
        page.getByTestId("promote-name").fill("churn-model");
        shots("promote-form");
        page.getByTestId("promote").click();
        assertThat(page.getByTestId("promote")).hasText("✓ Promoted");
        assertThat(page.getByTestId("promote")).isDisabled();
        assertThat(page.getByTestId("release-link")).hasText("churn-model 1");

        JsonNode release = api.get("/api/v1/releases/churn-model/1").json();
        page.getByTestId("release-link").click();
        page.waitForURL("**/releases/churn-model/1");
        assertThat(page.getByTestId("release-title")).hasText(Pattern.compile("churn-model\\s+1"));
        assertThat(page.getByTestId("manifest-sha")).hasText(release.get("manifest_sha256").asText());
        Locator files = page.getByTestId("release-files").locator("tbody tr");
        assertThat(files).hasCount(2);
        assertThat(files.first()).containsText("dist/leaderboard.csv");
        assertThat(files.first()).containsText(release.get("files").get(0).get("sha256").asText());
        shots("release");

        // reopened, the job shows its release at once; the list of releases has it
        openJob(id);
        assertThat(page.getByTestId("promote")).isDisabled();
        page.navigate(kiln.server.baseUrl() + "/releases");
        assertThat(page.getByTestId("releases-table").locator("tbody tr").first()).containsText("churn-model");
        shots("releases");
    }
}
