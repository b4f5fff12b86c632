package dev.kiln.server.scheduler;

import java.util.List;

/**
 * Why a queued job is not running, decided where the matching is done and shown verbatim to the user
 * (Jenkins' CauseOfBlockage, but saying what to do about it).
 */
public sealed interface WaitingReason {
    String code();

    String message();

    record NoMatchingAgent(List<String> unmet) implements WaitingReason {
        public String code() { return "no_matching_agent"; }
        public String message() {
            if (unmet.isEmpty()) return "no agent is online";
            return unmet.size() == 1
                    ? "no online agent has " + unmet.get(0)
                    : "no online agent has all of " + String.join(", ", unmet);
        }
    }

    record PinnedAgentUnavailable(String agent, String state) implements WaitingReason {
        public String code() { return "pinned_agent_unavailable"; }
        public String message() {
            return state == null ? "agent " + agent + " (server_id) is not registered" : "agent " + agent + " is " + state;
        }
    }

    record MatchingAgentsUnavailable(List<String> agents, String state) implements WaitingReason {
        public String code() { return "matching_agents_" + state; }
        public String message() {
            return agents.size() == 1
                    ? "the only matching agent, " + agents.get(0) + ", is " + state
                    : "all " + agents.size() + " matching agents are " + state + " (" + String.join(", ", agents) + ")";
        }
    }

    record AllMatchingBusy(int agents, int used, int capacity) implements WaitingReason {
        public String code() { return "all_matching_busy"; }
        public String message() {
            return agents == 1
                    ? "the matching agent is busy (" + used + "/" + capacity + ")"
                    : "all " + agents + " matching agents are busy (" + used + "/" + capacity + ")";
        }
    }

    /**
     * Every slot of the matching agents is taken and services hold some of them, which they keep until stopped:
     * "agent a is full: 2 services running". Stopping a service is what frees a slot, so the reason names them.
     */
    record FullWithServices(List<String> agents, int services, int used, int capacity) implements WaitingReason {
        public String code() { return "full_with_services"; }
        public String message() {
            int others = used - services;
            String running = services + (services == 1 ? " service" : " services")
                    + (others > 0 ? " and " + others + (others == 1 ? " job" : " jobs") : "") + " running";
            return agents.size() == 1
                    ? "agent " + agents.get(0) + " is full: " + running
                    : "all " + agents.size() + " matching agents are full: " + running + " (" + used + "/" + capacity + ")";
        }
    }

    record BehindInQueue(int ahead) implements WaitingReason {
        public String code() { return "behind_in_queue"; }
        public String message() {
            return ahead == 0 ? "being dispatched" : ahead + " job" + (ahead == 1 ? "" : "s") + " ahead in the queue";
        }
    }

    /** A retry waiting out its backoff: "retry 2 of 3 in 8 s". */
    record RetryBackoff(int retry, int of, long inSeconds) implements WaitingReason {
        public String code() { return "retry_backoff"; }
        public String message() {
            return "retry " + retry + " of " + of + (inSeconds <= 0 ? " starting" : " in " + inSeconds + " s");
        }
    }
}
