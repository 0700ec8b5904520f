import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `notify.idempotency_keys`: the Idempotency-Key of a webhook POST (create,
 * redeliver), per (tenant, scope, key), with the digest of the request it came
 * with and what the reply is rebuilt from (`result`, e.g. `{webhookId}`). Written
 * in the transaction of the change it deduplicates.
 */
export class NotifyIdempotency1764100000000 implements MigrationInterface {
  name = 'NotifyIdempotency1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notify.idempotency_keys (
        tenant         text NOT NULL,
        scope          text NOT NULL,
        key            text NOT NULL,
        request_digest text NOT NULL,
        result         jsonb,
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant, scope, key),
        CONSTRAINT idempotency_keys_key_ck CHECK (char_length(key) BETWEEN 1 AND 200),
        CONSTRAINT idempotency_keys_digest_ck CHECK (request_digest ~ '^[0-9a-f]{64}$')
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notify.idempotency_keys`);
  }
}
