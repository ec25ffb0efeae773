-- The transactional outbox read by the shared relay (shared/src/outbox/postgres-store.ts).
CREATE TABLE outbox (
  seq bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  topic text NOT NULL,
  key text NOT NULL,
  payload jsonb NOT NULL,
  correlation_id text,
  created_at timestamptz NOT NULL,
  sent_at timestamptz
);

CREATE INDEX outbox_unsent_idx ON outbox (seq) WHERE sent_at IS NULL;
