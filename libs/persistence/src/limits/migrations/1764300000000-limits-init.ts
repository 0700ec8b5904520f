import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `limits` schema (owner: rate-limiter, docs/adr/0011-scheduling-policy.md and 0012):
 * - `rules`: rate (token bucket), concurrency, quota and breaker rules of one tenant (or of
 *   every tenant, `tenant IS NULL`), scoped by `match` and keyed by `per`
 *   (`libs/domain/src/limits/keys.ts`); the kind-specific figures live in typed columns;
 * - `pauses`: what is held back (a tenant, project, source or job type), optionally until a time;
 * - `state`: one row per canonical state key (bucket tokens, in-flight counters, window usage,
 *   breaker state), locked `FOR UPDATE` in key order by every admission;
 * - `admissions`: one row per admitted `(job_id, attempt)` with the keys it was charged to — the
 *   idempotency record of `admit` and the slot record released when the attempt ends;
 * - `audit_outbox`: operator changes on their way to `ledger-writer.audit` (as in `notify`).
 */
export class LimitsInit1764300000000 implements MigrationInterface {
  name = 'LimitsInit1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS limits`);
    await q.query(`
      CREATE TABLE limits.rules (
        id              text PRIMARY KEY,
        tenant          text,
        kind            text NOT NULL,
        match           jsonb NOT NULL DEFAULT '{}',
        per             text[] NOT NULL DEFAULT '{}',
        rate_per_second double precision,
        burst           double precision,
        adaptive        jsonb,
        max_in_flight   integer,
        max_active      integer,
        max_per_hour    integer,
        max_per_day     integer,
        breaker         jsonb,
        description     text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        updated_by      text NOT NULL,
        CONSTRAINT rules_kind_ck CHECK (kind IN ('rate', 'concurrency', 'quota', 'breaker')),
        CONSTRAINT rules_rate_ck CHECK (kind <> 'rate' OR (rate_per_second > 0 AND burst >= 1)),
        CONSTRAINT rules_concurrency_ck CHECK (kind <> 'concurrency' OR max_in_flight >= 1),
        CONSTRAINT rules_quota_ck CHECK (kind <> 'quota' OR num_nonnulls(max_active, max_per_hour, max_per_day) > 0),
        CONSTRAINT rules_breaker_ck CHECK (kind <> 'breaker' OR breaker IS NOT NULL)
      )`);
    // Every admission reads its tenant's rules and the global ones.
    await q.query(`CREATE INDEX rules_tenant_idx ON limits.rules (tenant, id)`);

    await q.query(`
      CREATE TABLE limits.pauses (
        id          text PRIMARY KEY,
        tenant      text,
        match       jsonb NOT NULL DEFAULT '{}',
        reason      text,
        until       timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now(),
        created_by  text NOT NULL,
        CONSTRAINT pauses_reason_ck CHECK (char_length(reason) <= 256)
      )`);
    await q.query(`CREATE INDEX pauses_tenant_idx ON limits.pauses (tenant, id)`);

    // value NULL: the default of the key's kind (a full bucket, nothing in flight, no usage, a closed breaker).
    await q.query(`
      CREATE TABLE limits.state (
        key         text PRIMARY KEY,
        value       jsonb,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE limits.admissions (
        job_id         uuid NOT NULL,
        attempt        integer NOT NULL,
        tenant         text NOT NULL,
        slot_keys      text[] NOT NULL DEFAULT '{}',
        usage_keys     text[] NOT NULL DEFAULT '{}',
        rate_keys      text[] NOT NULL DEFAULT '{}',
        admitted_at    timestamptz NOT NULL,
        released_at    timestamptz,
        release_reason text,
        PRIMARY KEY (job_id, attempt),
        CONSTRAINT admissions_released_ck CHECK ((released_at IS NULL) = (release_reason IS NULL))
      )`);
    // The reconciler's scan: open slots, oldest first.
    await q.query(`CREATE INDEX admissions_open_idx ON limits.admissions (admitted_at) WHERE released_at IS NULL AND cardinality(slot_keys) > 0`);
    // Retention of released rows.
    await q.query(`CREATE INDEX admissions_released_idx ON limits.admissions (released_at) WHERE released_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE limits.audit_outbox (
        id              uuid PRIMARY KEY,
        tenant          text NOT NULL,
        command         jsonb NOT NULL,
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX limits_audit_outbox_due_idx ON limits.audit_outbox (next_attempt_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA limits CASCADE`);
  }
}
