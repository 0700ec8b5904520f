import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `notify` schema (owner: event-notifier): webhooks, their deliveries (one
 * per webhook and notifier event), the HTTP attempts of each delivery, and the
 * audit outbox that carries webhook changes to the ledger-writer's audit log.
 */
export class NotifyInit1764000000000 implements MigrationInterface {
  name = 'NotifyInit1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS notify`);
    await q.query(`
      CREATE TABLE notify.webhooks (
        id          uuid PRIMARY KEY,
        tenant      text NOT NULL,
        projects    text[],
        event_types text[] NOT NULL DEFAULT '{}',
        url         text NOT NULL,
        secret      text NOT NULL,
        description text,
        enabled     boolean NOT NULL DEFAULT true,
        created_at  timestamptz NOT NULL DEFAULT now(),
        created_by  text NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhooks_url_ck CHECK (char_length(url) <= 2048),
        CONSTRAINT webhooks_projects_ck CHECK (projects IS NULL OR cardinality(projects) > 0)
      )`);
    // Listing (newest first: ids are UUIDv7) and the fan-out's per-tenant lookup.
    await q.query(`CREATE INDEX webhooks_tenant_idx ON notify.webhooks (tenant, id DESC)`);

    await q.query(`
      CREATE TABLE notify.deliveries (
        id               uuid PRIMARY KEY,
        webhook_id       uuid NOT NULL REFERENCES notify.webhooks (id) ON DELETE CASCADE,
        tenant           text NOT NULL,
        event_id         uuid NOT NULL,
        event_type       text NOT NULL,
        body             text NOT NULL,
        status           text NOT NULL DEFAULT 'pending',
        attempts         integer NOT NULL DEFAULT 0,
        round_base       integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz,
        last_status_code integer,
        last_error       text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT deliveries_webhook_event_uq UNIQUE (webhook_id, event_id),
        CONSTRAINT deliveries_status_ck CHECK (status IN ('pending','succeeded','failed','dead')),
        CONSTRAINT deliveries_due_ck CHECK ((status IN ('pending','failed')) = (next_attempt_at IS NOT NULL))
      )`);
    // The delivery loop's claim scan, over open deliveries only.
    await q.query(`CREATE INDEX deliveries_due_idx ON notify.deliveries (next_attempt_at) WHERE status IN ('pending','failed')`);
    await q.query(`CREATE INDEX deliveries_webhook_idx ON notify.deliveries (webhook_id, id DESC)`);

    await q.query(`
      CREATE TABLE notify.delivery_attempts (
        delivery_id      uuid NOT NULL REFERENCES notify.deliveries (id) ON DELETE CASCADE,
        attempt          integer NOT NULL,
        started_at       timestamptz NOT NULL,
        duration_ms      integer NOT NULL,
        status_code      integer,
        error            text,
        response_excerpt text,
        PRIMARY KEY (delivery_id, attempt),
        CONSTRAINT delivery_attempts_excerpt_ck CHECK (octet_length(response_excerpt) <= 1024)
      )`);

    await q.query(`
      CREATE TABLE notify.audit_outbox (
        id              uuid PRIMARY KEY,
        tenant          text NOT NULL,
        command         jsonb NOT NULL,
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_outbox_due_idx ON notify.audit_outbox (next_attempt_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA notify CASCADE`);
  }
}
