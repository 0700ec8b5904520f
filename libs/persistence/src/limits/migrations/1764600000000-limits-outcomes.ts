import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `limits.outcomes`: one row per `(job_id, attempt)` whose outcome was counted in the circuit
 * breakers that apply to it, so a redelivered ledger event (or another replica's copy of it)
 * never counts the same outcome twice. Pruned by the reconciler after an hour, like released
 * admissions.
 */
export class LimitsOutcomes1764600000000 implements MigrationInterface {
  name = 'LimitsOutcomes1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE limits.outcomes (
        job_id      uuid NOT NULL,
        attempt     integer NOT NULL,
        tenant      text NOT NULL,
        success     boolean NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job_id, attempt)
      )`);
    await q.query(`CREATE INDEX outcomes_recorded_at ON limits.outcomes (recorded_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE limits.outcomes`);
  }
}
