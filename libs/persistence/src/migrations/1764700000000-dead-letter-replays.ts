import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replays and the dead-letter set (issue 5): a dead letter records the job that replayed it
 * (`replayed_as`, `replayed_at`), so a bulk replay never replays one twice and the set can be
 * worked by "still open"; indexes for the open set by job type and for a job's replays.
 */
export class LedgerDeadLetterReplays1764700000000 implements MigrationInterface {
  name = 'LedgerDeadLetterReplays1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger.dead_letters ADD COLUMN replayed_as uuid, ADD COLUMN replayed_at timestamptz`);
    await q.query(`CREATE INDEX dead_letters_open_idx ON ledger.dead_letters (tenant, job_type, dead_lettered_at) WHERE replayed_as IS NULL`);
    await q.query(`CREATE INDEX jobs_replay_of_idx ON ledger.jobs (replay_of) WHERE replay_of IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger.jobs_replay_of_idx`);
    await q.query(`DROP INDEX ledger.dead_letters_open_idx`);
    await q.query(`ALTER TABLE ledger.dead_letters DROP COLUMN replayed_at, DROP COLUMN replayed_as`);
  }
}
