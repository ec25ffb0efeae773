-- One row per registration attempt, for the per-address limit (kept in the database so that every process of
-- the service counts the same attempts). `blocked` rows were refused by the limit and do not count toward it.
CREATE TABLE registration_attempts (
  id bigserial PRIMARY KEY,
  client text NOT NULL,
  blocked boolean NOT NULL DEFAULT false,
  attempted_at timestamptz NOT NULL
);

CREATE INDEX registration_attempts_client_idx ON registration_attempts (client, attempted_at);
CREATE INDEX registration_attempts_attempted_at_idx ON registration_attempts (attempted_at);
