-- One row per login attempt, for the per-account and per-address rate limits. `outcome` is 'pending' while the
-- password is being checked, then 'failed' or 'succeeded'; 'blocked' rows were refused by the limit itself.
CREATE TABLE login_attempts (
  id bigserial PRIMARY KEY,
  email text NOT NULL,
  client text NOT NULL,
  outcome text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'failed', 'succeeded', 'blocked')),
  attempted_at timestamptz NOT NULL
);

CREATE INDEX login_attempts_email_idx ON login_attempts (email, attempted_at);
CREATE INDEX login_attempts_client_idx ON login_attempts (client, attempted_at);
CREATE INDEX login_attempts_attempted_at_idx ON login_attempts (attempted_at);
