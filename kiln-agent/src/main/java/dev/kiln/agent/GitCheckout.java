package dev.kiln.agent;

import dev.kiln.protocol.JobAssignment;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Clones the job's repository into its workspace (branch, then commit if one is given); git's output goes to the log. */
final class GitCheckout {
    private final JobAssignment job;
    private final Path workspace;
    private final JobLog log;

    GitCheckout(JobAssignment job, Path workspace, JobLog log) {
        this.job = job;
        this.workspace = workspace;
        this.log = log;
    }

    /** Returns the commit checked out (its full hash, or "?" if git could not say). */
    String run() throws StartFailure, InterruptedException {
        String repo = job.sourceRepository();
        String branch = job.branch();
        var clone = new ArrayList<>(List.of("git", "clone", "--quiet"));
        if (branch != null) clone.add("--branch=" + branch);
        clone.addAll(List.of("--", repo, "."));
        log.system("checkout: " + repo + (branch != null ? " branch " + branch : "")
                + (job.commitHash() != null ? " commit " + job.commitHash() : ""));
        if (runGit(clone) != 0) {
            String what = branch != null ? "branch '" + branch + "' not found in " + repo + ", or the repository cannot be read"
                    : "cannot clone " + repo;
            throw new StartFailure("checkout failed: " + what);
        }
        String commit = job.commitHash();
        if (commit != null && !commit.equals("HEAD")
                && runGit(List.of("git", "-c", "advice.detachedHead=false", "checkout", "--quiet", commit, "--")) != 0) {
            throw new StartFailure("checkout failed: commit '" + commit + "' not found in " + repo
                    + (branch != null ? " (branch " + branch + ")" : ""));
        }
        String head = head();
        log.system("checked out commit " + head);
        return head;
    }

    private String head() throws InterruptedException {
        try {
            Process p = gitProcess(List.of("git", "rev-parse", "HEAD")).start();
            String sha = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            return sha;
        } catch (IOException e) {
            return "?";
        }
    }

    /** Runs git with its output (both streams) copied to the log; returns its exit code. */
    private int runGit(List<String> cmd) throws StartFailure, InterruptedException {
        try {
            Process p = gitProcess(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            try (var reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) log.system("git: " + line);
            }
            return p.waitFor();
        } catch (IOException e) {
            throw new StartFailure("checkout failed: cannot run git (" + e.getMessage() + "); is git installed on this agent?");
        }
    }

    /** Never prompts: a repository that needs credentials fails at once instead of hanging the job. */
    private ProcessBuilder gitProcess(List<String> cmd) {
        var pb = new ProcessBuilder(cmd).directory(workspace.toFile());
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        pb.environment().put("GIT_ASKPASS", "true");
        pb.environment().put("LC_ALL", "C");
        return pb;
    }
}
