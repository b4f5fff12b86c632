package dev.kiln.server.fleet;

import dev.kiln.protocol.ServerMessage;

/** The server's end of one agent's connection. Sending never blocks the caller. */
public interface AgentConnection {
    void send(ServerMessage message);

    void close(int code, String reason);
}
