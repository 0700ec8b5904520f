import { MigrationInterface, QueryRunner } from 'typeorm';

/** Run replays (issue 5): `ledger.runs.replay_of` names the run a run replays (its jobs' `replay_of` name theirs). */
export class LedgerRunReplays1764900000000 implements MigrationInterface {
  name = 'LedgerRunReplays1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger.runs ADD COLUMN replay_of uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger.runs DROP COLUMN replay_of`);
  }
}
