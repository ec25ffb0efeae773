-- Stock follows the goods (shipped), every change is versioned and kept in a ledger, and each product has a
-- reorder threshold. Conservation becomes: initial + adjustments = stock + reserved + shipped.

-- `version`: +1 in the transaction of every change of the figures, carried by stock.updated.
-- `product_version`: the newest product.* event applied, so a stale product.updated never overwrites a newer.
-- `low_notified`: stock.low was published for the current crossing of the threshold (cleared above it).
ALTER TABLE stock
  ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 0),
  ADD COLUMN shipped integer NOT NULL DEFAULT 0 CHECK (shipped >= 0),
  ADD COLUMN product_version integer NOT NULL DEFAULT 0,
  ADD COLUMN reorder_threshold integer CHECK (reorder_threshold BETWEEN 0 AND 1000000),
  ADD COLUMN low_notified boolean NOT NULL DEFAULT false;

UPDATE stock SET reorder_threshold = greatest(5, initial / 10);
ALTER TABLE stock ALTER COLUMN reorder_threshold SET NOT NULL;

ALTER TABLE stock DROP CONSTRAINT stock_conserved;
ALTER TABLE stock ADD CONSTRAINT stock_conserved CHECK (initial + adjustments = stock + reserved + shipped);

CREATE INDEX stock_low ON stock (product_id) WHERE deleted_at IS NULL AND stock <= reorder_threshold;

ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
  CHECK (status IN ('reserved', 'released', 'shipped'));

ALTER TABLE order_outcomes DROP CONSTRAINT order_outcomes_state_check;
ALTER TABLE order_outcomes ADD CONSTRAINT order_outcomes_state_check
  CHECK (state IN ('placed', 'rejected', 'cancelled', 'shipped'));

-- One row per change of a product's figures, written in the change's transaction: what moved (the *_change
-- columns), why, and the figures after it. Per product the changes sum to the current figures.
CREATE TABLE stock_movements (
  product_id text NOT NULL REFERENCES stock (product_id),
  version integer NOT NULL,
  reason text NOT NULL
    CHECK (reason IN ('initial', 'reserved', 'released', 'shipped', 'adjusted', 'returned', 'removed')),
  order_id text,
  stock_change integer NOT NULL,
  reserved_change integer NOT NULL,
  shipped_change integer NOT NULL,
  stock integer NOT NULL,
  reserved integer NOT NULL,
  shipped integer NOT NULL,
  -- The admin who made an adjustment, and the request or event that caused the change.
  actor text,
  correlation_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, version)
);

-- Entries made before the ledger existed open it with their current figures, so the sums hold from here on.
INSERT INTO stock_movements
  (product_id, version, reason, stock_change, reserved_change, shipped_change, stock, reserved, shipped)
SELECT product_id, version, 'initial', stock, reserved, 0, stock, reserved, 0 FROM stock;

-- Pruning finds old processed ids and finished reservations by age.
CREATE INDEX processed_events_by_age ON processed_events (processed_at);
CREATE INDEX order_outcomes_by_age ON order_outcomes (updated_at) WHERE state <> 'placed';

-- The outbox's own indexes now come with its shared DDL.
DROP INDEX IF EXISTS outbox_unsent;
