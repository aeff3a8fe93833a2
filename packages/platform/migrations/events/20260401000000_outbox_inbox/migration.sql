-- The platform's event tables, in their own schema of every service database (see
-- docs/events.md): the transactional outbox a service's domain writes publish through, and
-- the inbox that makes its event handlers idempotent.

-- One row per event written inside a domain transaction; the relay publishes pending rows
-- (sent_at IS NULL) by ascending position and then marks them sent.
CREATE TABLE junction_events.outbox (
    position        BIGSERIAL PRIMARY KEY,
    id              UUID NOT NULL,
    type            TEXT NOT NULL,
    source          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    data_schema     TEXT NOT NULL,
    data            TEXT NOT NULL,
    time            TIMESTAMPTZ(3) NOT NULL,
    correlation_id  TEXT,
    actor_id        TEXT,
    org_id          TEXT,
    traceparent     TEXT,
    tracestate      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    sent_at         TIMESTAMPTZ,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    CONSTRAINT outbox_id_key UNIQUE (id)
);

-- The relay's scan: only pending rows, in publish order.
CREATE INDEX outbox_pending_idx ON junction_events.outbox (position) WHERE sent_at IS NULL;
-- Pruning of rows sent long ago.
CREATE INDEX outbox_sent_at_idx ON junction_events.outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Wakes the relay: a notification is delivered only when the inserting transaction commits,
-- and Postgres folds identical ones of one transaction into one.
CREATE FUNCTION junction_events.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('junction_events_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_inserted AFTER INSERT ON junction_events.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION junction_events.notify_outbox();

-- One row per (consumer, event) handled; written in the handler's transaction, so an event
-- delivered again finds its row and is acknowledged without a second effect.
CREATE TABLE junction_events.inbox (
    consumer     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    type         TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT inbox_pkey PRIMARY KEY (consumer, event_id)
);

-- Pruning of rows older than any redelivery can be.
CREATE INDEX inbox_received_at_idx ON junction_events.inbox (received_at);
