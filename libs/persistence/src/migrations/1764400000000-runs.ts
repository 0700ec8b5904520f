import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DAG runs (issue 4): `ledger.runs` (one row per run: its failure policy and
 * its jobs' keys in request order) and `ledger.run_edges` (parent → child, by
 * job id), both tenant-scoped. `ledger.jobs.run_id` exists since the first
 * migration; it gets an index here. Dependency resolution walks run_edges from
 * the job that changed (`run_edges_parent_idx`) and back (`run_edges_child_idx`).
 */
export class LedgerRuns1764400000000 implements MigrationInterface {
  name = 'LedgerRuns1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger.runs (
        id              uuid PRIMARY KEY,
        tenant          text NOT NULL,
        project         text NOT NULL,
        failure_policy  text NOT NULL,
        correlation_id  text NOT NULL,
        idempotency_key text NOT NULL,
        job_count       integer NOT NULL,
        job_keys        jsonb NOT NULL,
        created_at      timestamptz NOT NULL,
        CONSTRAINT runs_failure_policy_ck CHECK (failure_policy IN ('cancel', 'continue'))
      )`);
    await q.query(`CREATE INDEX runs_tenant_created_idx ON ledger.runs (tenant, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE ledger.run_edges (
        tenant    text NOT NULL,
        run_id    uuid NOT NULL REFERENCES ledger.runs (id),
        parent_id uuid NOT NULL,
        child_id  uuid NOT NULL,
        PRIMARY KEY (parent_id, child_id)
      )`);
    await q.query(`CREATE INDEX run_edges_child_idx ON ledger.run_edges (child_id)`);
    await q.query(`CREATE INDEX run_edges_run_idx ON ledger.run_edges (run_id)`);
    await q.query(`CREATE INDEX jobs_run_idx ON ledger.jobs (run_id) WHERE run_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger.jobs_run_idx`);
    await q.query(`DROP TABLE ledger.run_edges`);
    await q.query(`DROP TABLE ledger.runs`);
  }
}
