package dev.kiln.server.fleet;

import static dev.kiln.server.fleet.AgentState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.fleet.AgentTransitions.Fact;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every fact from every agent state through {@link AgentTransitions#next}: the expected state is written out per
 * fact; a state missing from a fact's map must be refused (operator commands) — facts from the connection never are.
 */
class AgentTransitionsTest {

    static void walk(Fact fact, Map<AgentState, AgentState> expected) {
        for (AgentState from : AgentState.values()) {
            if (expected.containsKey(from)) {
                AgentState to = AgentTransitions.next("build-1", from, fact);
                assertThat(to).as("%s on %s", from, fact).isEqualTo(expected.get(from));
                assertThat(to == from || from.canMoveTo(to)).as("%s -> %s is in the table", from, to).isTrue();
            } else {
                assertThatThrownBy(() -> AgentTransitions.next("build-1", from, fact)).as("%s on %s", from, fact)
                        .isInstanceOf(IllegalTransitionException.class).hasMessageContaining("build-1")
                        .hasMessageContaining(from.wireName());
            }
        }
    }

    static Map<AgentState, AgentState> moves(AgentState... fromTo) {
        var m = new EnumMap<AgentState, AgentState>(AgentState.class);
        for (int i = 0; i < fromTo.length; i += 2) m.put(fromTo[i], fromTo[i + 1]);
        return m;
    }

    @Test
    void aConnectionBringsAnAgentOnlineButKeepsAnOperatorsDrainOrDisable() {
        walk(new Fact.Connected(), moves(ONLINE, ONLINE, DRAINING, DRAINING, LEAVING, ONLINE, OFFLINE, ONLINE,
                DISABLED, DISABLED));
    }

    @Test
    void aLostConnectionMakesItOfflineUnlessDisabled() {
        walk(new Fact.Disconnected(), moves(ONLINE, OFFLINE, DRAINING, OFFLINE, LEAVING, OFFLINE, OFFLINE, OFFLINE,
                DISABLED, DISABLED));
    }

    @Test
    void onlyAnOnlineAgentStartsLeaving() {
        walk(new Fact.Leaving(), moves(ONLINE, LEAVING, DRAINING, DRAINING, LEAVING, LEAVING, OFFLINE, OFFLINE,
                DISABLED, DISABLED));
    }

    @Test
    void drain() {
        walk(new Fact.Drain(), moves(ONLINE, DRAINING, DRAINING, DRAINING, LEAVING, DRAINING));
    }

    @Test
    void resumeOfAConnectedAgent() {
        walk(new Fact.Resume(true), moves(ONLINE, ONLINE, DRAINING, ONLINE, OFFLINE, ONLINE, DISABLED, ONLINE));
    }

    @Test
    void resumeOfADisconnectedAgentLeavesItOffline() {
        walk(new Fact.Resume(false), moves(ONLINE, OFFLINE, DRAINING, OFFLINE, OFFLINE, OFFLINE, DISABLED, OFFLINE));
    }

    @Test
    void disable() {
        walk(new Fact.Disable(), moves(ONLINE, DISABLED, DRAINING, DISABLED, LEAVING, DISABLED, OFFLINE, DISABLED,
                DISABLED, DISABLED));
    }

    @Test
    void onlyOnlineTakesWork() {
        for (AgentState s : AgentState.values()) assertThat(s.takesWork()).isEqualTo(s == ONLINE);
    }
}
