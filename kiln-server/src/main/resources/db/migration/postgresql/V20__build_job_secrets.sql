-- A plan job's secrets, sealed (as jobs.secrets) and bound to its build and position: the spec column keeps them
-- masked, and a job still waiting when the server restarts is submitted with them, not with '***'.
ALTER TABLE build_jobs ADD COLUMN secrets TEXT;
