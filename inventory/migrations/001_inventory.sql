-- Stock per product. `stock` is what can still be ordered, `reserved` what confirmed orders hold.
-- Conservation: initial + adjustments = stock + reserved, for every row, at every commit.
CREATE TABLE stock (
  product_id text PRIMARY KEY CHECK (product_id ~ '^[0-9a-f]{24}$'),
  name text NOT NULL,
  stock integer NOT NULL CHECK (stock >= 0),
  reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  initial integer NOT NULL CHECK (initial >= 0),
  adjustments integer NOT NULL DEFAULT 0,
  deleted_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The events' schema caps a quantity at 1,000,000; keeping the total under it means a release never overflows it.
  CONSTRAINT stock_total_within_limit CHECK (stock + reserved <= 1000000),
  CONSTRAINT stock_conserved CHECK (initial + adjustments = stock + reserved)
);

CREATE INDEX stock_on_sale_by_stock ON stock (stock, product_id) WHERE deleted_at IS NULL;

CREATE TABLE reservations (
  order_id text NOT NULL,
  product_id text NOT NULL REFERENCES stock (product_id),
  quantity integer NOT NULL CHECK (quantity > 0),
  status text NOT NULL CHECK (status IN ('reserved', 'released')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, product_id)
);

-- What this service decided about each order it has heard of. A row with state 'cancelled' and no
-- reservations is the tombstone of a cancellation that overtook its placement.
CREATE TABLE order_outcomes (
  order_id text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('placed', 'rejected', 'cancelled')),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The CloudEvents ids of consumed events whose effect has committed, for exactly-once effects.
CREATE TABLE processed_events (
  id uuid PRIMARY KEY,
  topic text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);

-- The outbox table is shared/src/outbox/outbox.sql, applied after these migrations (applyOutboxSchema).
