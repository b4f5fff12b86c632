-- An agent token is bound to one agent identity: given when the token is created, or the agent id of its first
-- hello. A hello with another agent id is refused. NULL: an agent token not used yet, or a token of another role.
ALTER TABLE tokens ADD COLUMN agent_id TEXT;
