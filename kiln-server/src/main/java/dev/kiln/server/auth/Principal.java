package dev.kiln.server.auth;

import dev.kiln.server.core.Role;

/** Who is calling: the token's name and role. */
public record Principal(String tokenId, String name, Role role) {}
