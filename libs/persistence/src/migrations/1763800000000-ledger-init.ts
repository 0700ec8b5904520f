import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `ledger` schema: jobs (current state), job_events (append-only,
 * hash-chained per tenant), chain heads, idempotency keys, the outbox relayed
 * to NATS, and the dead-letter set.
 */
export class LedgerInit1763800000000 implements MigrationInterface {
  name = 'LedgerInit1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS ledger`);
    await q.query(`
      CREATE TABLE ledger.jobs (
        id               uuid PRIMARY KEY,
        tenant           text NOT NULL,
        project          text NOT NULL,
        job_type         text NOT NULL,
        status           text NOT NULL,
        status_reason    text,
        priority         smallint NOT NULL,
        payload          jsonb NOT NULL,
        payload_digest   char(64) NOT NULL,
        result           jsonb,
        last_error       jsonb,
        attempt          integer NOT NULL,
        max_attempts     integer NOT NULL,
        run_at           timestamptz,
        eligible_at      timestamptz,
        admitted_attempt integer,
        lease_id         uuid,
        fencing_token    bigint NOT NULL DEFAULT 0,
        lease_expires_at timestamptz,
        lease_ms         integer,
        worker_id        text,
        progress_percent real,
        progress_message text,
        correlation_id   text NOT NULL,
        idempotency_key  text NOT NULL,
        run_id           uuid,
        replay_of        uuid,
        created_at       timestamptz NOT NULL,
        updated_at       timestamptz NOT NULL,
        started_at       timestamptz,
        finished_at      timestamptz,
        CONSTRAINT jobs_status_ck CHECK (status IN ('pending','queued','throttled','leased','running','succeeded','failed','canceled','timed_out')),
        CONSTRAINT jobs_attempt_ck CHECK (attempt >= 1 AND attempt <= max_attempts)
      )`);
    await q.query(`CREATE INDEX jobs_tenant_created_idx ON ledger.jobs (tenant, created_at DESC, id)`);
    // The scheduler's admission scan, in its exact order, over queued attempts not yet admitted only
    // (an admitted-but-unclaimed backlog would otherwise be scanned on every pass).
    await q.query(`CREATE INDEX jobs_admittable_idx ON ledger.jobs (priority DESC, eligible_at ASC NULLS FIRST, created_at)
      WHERE status = 'queued' AND admitted_attempt IS DISTINCT FROM attempt`);
    // nextDueAt: the earliest backoff that ends.
    await q.query(`CREATE INDEX jobs_backoff_idx ON ledger.jobs (eligible_at)
      WHERE status = 'queued' AND admitted_attempt IS DISTINCT FROM attempt AND eligible_at IS NOT NULL`);
    await q.query(`CREATE INDEX jobs_pending_idx ON ledger.jobs (run_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX jobs_leased_idx ON ledger.jobs (lease_expires_at) WHERE status IN ('leased','running')`);

    await q.query(`
      CREATE TABLE ledger.job_events (
        tenant      text NOT NULL,
        seq         bigint NOT NULL,
        project     text NOT NULL,
        id          uuid NOT NULL UNIQUE,
        job_id      uuid NOT NULL,
        event_type  text NOT NULL,
        attempt     integer NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor       jsonb NOT NULL,
        data        jsonb NOT NULL,
        prev_hash   char(64) NOT NULL,
        hash        char(64) NOT NULL,
        PRIMARY KEY (tenant, seq)
      )`);
    await q.query(`CREATE INDEX job_events_job_idx ON ledger.job_events (job_id, tenant, seq)`);
    // Append-only: the ledger refuses UPDATE and DELETE outright.
    await q.query(`
      CREATE FUNCTION ledger.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger.job_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER job_events_append_only BEFORE UPDATE OR DELETE ON ledger.job_events
      FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change()`);
    await q.query(`
      CREATE TRIGGER job_events_no_truncate BEFORE TRUNCATE ON ledger.job_events
      FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change()`);

    await q.query(`
      CREATE TABLE ledger.chain_heads (
        tenant text PRIMARY KEY,
        seq    bigint NOT NULL,
        hash   char(64) NOT NULL
      )`);

    await q.query(`
      CREATE TABLE ledger.idempotency_keys (
        tenant         text NOT NULL,
        scope          text NOT NULL,
        key            text NOT NULL,
        request_digest char(64) NOT NULL,
        job_id         uuid NOT NULL,
        created_at     timestamptz NOT NULL,
        PRIMARY KEY (tenant, scope, key)
      )`);

    await q.query(`
      CREATE TABLE ledger.outbox (
        id         bigserial PRIMARY KEY,
        subject    text NOT NULL,
        msg_id     text NOT NULL,
        body       jsonb NOT NULL,
        headers    jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE ledger.dead_letters (
        job_id          uuid PRIMARY KEY,
        tenant          text NOT NULL,
        project         text NOT NULL,
        job_type        text NOT NULL,
        attempt         integer NOT NULL,
        reason          text NOT NULL,
        error_code      text,
        error_message   text,
        dead_lettered_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX dead_letters_tenant_idx ON ledger.dead_letters (tenant, dead_lettered_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA ledger CASCADE`);
  }
}
