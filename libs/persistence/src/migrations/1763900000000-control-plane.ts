import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Control plane (issue 3): the per-tenant, hash-chained, append-only audit log
 * and its chain heads; cancel-request columns on jobs; idempotency records for
 * any command (a stored `result` instead of only a job id).
 */
export class LedgerControlPlane1763900000000 implements MigrationInterface {
  name = 'LedgerControlPlane1763900000000';

  async up(q: QueryRunner): Promise<void> {
    // One refusal for every append-only table, naming the table it guards.
    await q.query(`
      CREATE OR REPLACE FUNCTION ledger.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '%.% is append-only (% refused)', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);

    await q.query(`
      CREATE TABLE ledger.audit_log (
        tenant      text NOT NULL,
        seq         bigint NOT NULL,
        project     text,
        id          uuid NOT NULL UNIQUE,
        occurred_at timestamptz NOT NULL,
        actor       jsonb NOT NULL,
        action      text NOT NULL,
        target_type text NOT NULL,
        target_id   text NOT NULL,
        reason      text NOT NULL,
        ticket      text,
        before      jsonb,
        after       jsonb,
        prev_hash   char(64) NOT NULL,
        hash        char(64) NOT NULL,
        PRIMARY KEY (tenant, seq)
      )`);
    // listAudit filters, newest first.
    await q.query(`CREATE INDEX audit_log_target_idx ON ledger.audit_log (tenant, target_type, target_id, seq DESC)`);
    await q.query(`CREATE INDEX audit_log_action_idx ON ledger.audit_log (tenant, action, seq DESC)`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON ledger.audit_log
      FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON ledger.audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change()`);
    await q.query(`
      CREATE TABLE ledger.audit_heads (
        tenant text PRIMARY KEY,
        seq    bigint NOT NULL,
        hash   char(64) NOT NULL
      )`);

    await q.query(`
      ALTER TABLE ledger.jobs
        ADD COLUMN cancel_requested_at timestamptz,
        ADD COLUMN cancel_reason       text,
        ADD COLUMN cancel_deadline     timestamptz`);

    await q.query(`
      ALTER TABLE ledger.idempotency_keys
        ADD COLUMN result jsonb,
        ALTER COLUMN job_id DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM ledger.idempotency_keys WHERE job_id IS NULL`);
    await q.query(`ALTER TABLE ledger.idempotency_keys DROP COLUMN result, ALTER COLUMN job_id SET NOT NULL`);
    await q.query(`ALTER TABLE ledger.jobs DROP COLUMN cancel_requested_at, DROP COLUMN cancel_reason, DROP COLUMN cancel_deadline`);
    await q.query(`DROP TABLE ledger.audit_heads`);
    await q.query(`DROP TABLE ledger.audit_log`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ledger.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger.job_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
  }
}
