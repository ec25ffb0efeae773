-- The transactional outbox read by the shared relay (postgres-store.ts), written once for every service that
-- keeps one in PostgreSQL. Applied at start-up after the service's own migrations by applyOutboxSchema():
-- every statement is idempotent, so it also brings an outbox made by an older migration up to date.
CREATE TABLE IF NOT EXISTS outbox (
  seq bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  topic text NOT NULL,
  key text NOT NULL,
  payload jsonb NOT NULL,
  correlation_id text,
  created_at timestamptz NOT NULL,
  sent_at timestamptz
);

-- Failed publish attempts that a retry cannot cure (invalid payload, message too large), the last such
-- error, and when the row was parked after too many of them. A parked row is never sent by the relay and
-- holds back the later rows of its key (per-aggregate order) until it is retried or dropped by hand.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS error text;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS parked_at timestamptz;

-- The W3C trace context active when the event was written, so its publication continues that trace.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS traceparent text;

-- Pending rows in publishing order, the keys a parked row blocks, and sent rows by age for pruning.
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_pending_by_key ON outbox (key, seq) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_parked ON outbox (key) WHERE parked_at IS NOT NULL AND sent_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
