-- The append-only audit log.

-- CreateTable
CREATE TABLE "audit_entries" (
    "sequence" BIGINT NOT NULL,
    "event_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "event_time" TIMESTAMPTZ(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "previous_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("sequence")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_entries_event_id_key" ON "audit_entries"("event_id");

-- CreateIndex
CREATE INDEX "audit_entries_actor_id_sequence_idx" ON "audit_entries"("actor_id", "sequence");

-- CreateIndex
CREATE INDEX "audit_entries_org_id_sequence_idx" ON "audit_entries"("org_id", "sequence");

-- CreateIndex
CREATE INDEX "audit_entries_type_sequence_idx" ON "audit_entries"("type", "sequence");

-- CreateIndex
CREATE INDEX "audit_entries_event_time_idx" ON "audit_entries"("event_time");

-- Append-only: the service never changes or removes an entry, so the database refuses to.
-- Someone able to disable these triggers can still edit rows; the hash chain exposes that.
CREATE FUNCTION "audit_entries_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER "audit_entries_no_update_or_delete" BEFORE UPDATE OR DELETE ON "audit_entries"
    FOR EACH ROW EXECUTE FUNCTION "audit_entries_append_only"();

CREATE TRIGGER "audit_entries_no_truncate" BEFORE TRUNCATE ON "audit_entries"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_entries_append_only"();
