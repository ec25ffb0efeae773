-- The outbox table is now kept up to date by the shared DDL (shared/src/outbox/outbox.sql, applied after these
-- migrations by applyOutboxSchema), whose index `outbox_pending` is the same as this one: one is enough.
DROP INDEX IF EXISTS outbox_unsent_idx;
