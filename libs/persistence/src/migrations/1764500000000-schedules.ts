import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recurring schedules (issue 4, "Time"): `schedules` holds each cron schedule
 * with its job template and firing state (`last_fire_at`, `next_fire_at`,
 * `resumed_at`); `schedule_fires` records every firing once — the UNIQUE
 * (schedule_id, fire_time) is the compare-and-set that keeps several scheduler
 * replicas from firing a slot twice.
 */
export class LedgerSchedules1764500000000 implements MigrationInterface {
  name = 'LedgerSchedules1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger.schedules (
        id uuid PRIMARY KEY,
        tenant text NOT NULL,
        project text NOT NULL,
        name text NOT NULL,
        cron text NOT NULL,
        time_zone text NOT NULL,
        misfire_policy text NOT NULL CHECK (misfire_policy IN ('skip', 'catch_up')),
        max_catch_up integer NOT NULL CHECK (max_catch_up BETWEEN 1 AND 1000),
        job_type text NOT NULL,
        payload jsonb NOT NULL,
        priority integer,
        max_attempts integer,
        source text,
        paused boolean NOT NULL DEFAULT false,
        last_fire_at timestamptz,
        next_fire_at timestamptz,
        resumed_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query(`CREATE INDEX schedules_due_idx ON ledger.schedules (next_fire_at) WHERE NOT paused`);
    await q.query(`CREATE INDEX schedules_tenant_idx ON ledger.schedules (tenant, id DESC)`);
    await q.query(`
      CREATE TABLE ledger.schedule_fires (
        schedule_id uuid NOT NULL REFERENCES ledger.schedules (id) ON DELETE CASCADE,
        fire_time timestamptz NOT NULL,
        job_id uuid NOT NULL,
        fired_at timestamptz NOT NULL,
        PRIMARY KEY (schedule_id, fire_time)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ledger.schedule_fires`);
    await q.query(`DROP TABLE ledger.schedules`);
  }
}
