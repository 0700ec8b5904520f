import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backfills (issue 5, docs/backfills.md): a job's event-time window `[window_from, window_to)` and
 * the backfill that created it; `ledger.backfills` (what an operator asked for and its state);
 * `ledger.watermarks`, per tenant, source and job type, the event time up to which jobs succeeded
 * without a gap.
 */
export class LedgerBackfills1765100000000 implements MigrationInterface {
  name = 'LedgerBackfills1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ledger.jobs ADD COLUMN backfill_id uuid, ADD COLUMN window_from timestamptz, ADD COLUMN window_to timestamptz,
        ADD CONSTRAINT jobs_window_ck CHECK ((window_from IS NULL) = (window_to IS NULL) AND (window_from IS NULL OR window_to > window_from))`);
    // Covering windows (backfill plans) and the watermark's succeeded windows: by window end.
    await q.query(`CREATE INDEX jobs_window_idx ON ledger.jobs (tenant, source, job_type, window_to) WHERE window_from IS NOT NULL`);
    // Windows in flight (the admission's overlap check): few rows.
    await q.query(`
      CREATE INDEX jobs_window_active_idx ON ledger.jobs (tenant, source, job_type, window_from)
      WHERE window_from IS NOT NULL AND status IN ('queued', 'throttled', 'leased', 'running')`);
    await q.query(`CREATE INDEX jobs_backfill_idx ON ledger.jobs (backfill_id) WHERE backfill_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE ledger.backfills (
        id           uuid PRIMARY KEY,
        tenant       text NOT NULL,
        project      text NOT NULL,
        source       text NOT NULL,
        job_type     text NOT NULL,
        window_from  timestamptz NOT NULL,
        window_to    timestamptz NOT NULL,
        slice        text NOT NULL,
        slice_ms     bigint NOT NULL,
        priority     smallint NOT NULL,
        max_attempts integer NOT NULL,
        payload      jsonb NOT NULL,
        state        text NOT NULL CHECK (state IN ('active', 'paused', 'canceled')),
        slices       integer NOT NULL,
        created_jobs integer NOT NULL,
        skipped      integer NOT NULL,
        reason       text NOT NULL,
        ticket       text NOT NULL,
        created_by   text NOT NULL,
        created_at   timestamptz NOT NULL,
        updated_at   timestamptz NOT NULL,
        CONSTRAINT backfills_window_ck CHECK (window_to > window_from)
      )`);
    await q.query(`CREATE INDEX backfills_tenant_idx ON ledger.backfills (tenant, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE ledger.watermarks (
        tenant     text NOT NULL,
        source     text NOT NULL,
        job_type   text NOT NULL,
        watermark  timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant, source, job_type)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ledger.watermarks`);
    await q.query(`DROP TABLE ledger.backfills`);
    await q.query(`DROP INDEX ledger.jobs_backfill_idx`);
    await q.query(`DROP INDEX ledger.jobs_window_active_idx`);
    await q.query(`DROP INDEX ledger.jobs_window_idx`);
    await q.query(`ALTER TABLE ledger.jobs DROP CONSTRAINT jobs_window_ck, DROP COLUMN window_to, DROP COLUMN window_from, DROP COLUMN backfill_id`);
  }
}
