package dev.kiln.server.core;

/** Who may call a route: roles are ordered, a stronger role may do what a weaker one may. */
public enum Role {
    PUBLIC, VIEWER, OPERATOR, ADMIN, AGENT;

    public boolean allows(Role needed) {
        if (needed == PUBLIC) return true;
        if (this == AGENT || needed == AGENT) return this == needed;
        return ordinal() >= needed.ordinal();
    }
}
