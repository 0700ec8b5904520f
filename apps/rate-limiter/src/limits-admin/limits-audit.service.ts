import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppendAuditCommand, OperatorContext } from '@orch/contracts';
import { backoffMs, digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { AuditOutboxItem, LIMITS_DATA_SOURCE, LimitsAuditRepository, Queryable } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

/** Idempotency scope of the audit commands this service sends (the key is the outbox id). */
export const LIMITS_AUDIT_SCOPE = 'rate-limiter limits audit';
/** Audit commands sent per relay pass. */
export const LIMITS_AUDIT_RELAY_BATCH = 50;
/** Relay poll interval when this replica queued nothing. */
export const LIMITS_AUDIT_RELAY_POLL_MS = 1_000;
/** How long one audit command waits for the ledger-writer. */
export const LIMITS_AUDIT_REQUEST_TIMEOUT_MS = 5_000;
/** Backoff of an audit command the ledger-writer did not take. */
export const LIMITS_AUDIT_RETRY_BACKOFF = { baseMs: 1_000, maxMs: 60_000, jitter: 0.5 } as const;

/** An audited limits change. */
export interface LimitsAuditEntry {
  action:
    | 'limits.rule.put'
    | 'limits.rule.delete'
    | 'limits.pause.create'
    | 'limits.pause.delete'
    | 'limits.breaker.open'
    | 'limits.breaker.half_open'
    | 'limits.breaker.close';
  targetType: 'limit_rule' | 'limit_pause' | 'limit_breaker';
  targetId: string;
  project?: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  operator: OperatorContext;
}

/** The caller of a command, from its envelope. */
export interface CallerRef {
  tenant: string;
  project: string;
  correlationId: string;
}

interface QueuedAudit {
  project: string;
  correlationId: string;
  data: AppendAuditCommand;
}

/** The `ledger-writer.audit` command of an entry; its idempotency key is the outbox id, so a resend records it once. */
export function limitsAuditCommand(outboxId: string, entry: LimitsAuditEntry): AppendAuditCommand {
  const data: AppendAuditCommand = {
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    ...(entry.project ? { project: entry.project } : {}),
    ...(entry.before ? { before: entry.before } : {}),
    ...(entry.after ? { after: entry.after } : {}),
    operator: entry.operator,
  };
  return { ...data, idempotency: { key: outboxId, scope: LIMITS_AUDIT_SCOPE, requestDigest: digestOf(data) } };
}

/**
 * Audit of limits changes through an outbox, like webhook changes (docs/adr/0008): {@link record}
 * queues the `ledger-writer.audit` command in the change's own transaction; a relay sends it
 * after commit and retries with backoff until the ledger-writer takes it. A change is never
 * committed without its audit entry eventually being written, and never audited twice.
 */
@Injectable()
export class LimitsAuditService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LimitsAudit');
  private readonly repo = new LimitsAuditRepository();
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;

  constructor(
    @Inject(LIMITS_DATA_SOURCE) private readonly ds: DataSource,
    private readonly client: OrchClient,
  ) {}

  /** Queues the audit entry of a change; `tx` is the change's transaction. Call {@link flush} after commit. */
  async record(tx: Queryable, caller: CallerRef, entry: LimitsAuditEntry): Promise<void> {
    const id = uuidv7();
    const queued: QueuedAudit = { project: caller.project, correlationId: caller.correlationId, data: limitsAuditCommand(id, entry) };
    await this.repo.append(tx, { id, tenant: caller.tenant, command: queued as unknown as Record<string, unknown> });
  }

  /** Sends queued entries now rather than at the next poll. */
  flush(): void {
    this.wake?.();
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.flush();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        const batch = await this.repo.claim(this.ds, { limit: LIMITS_AUDIT_RELAY_BATCH, leaseMs: LIMITS_AUDIT_REQUEST_TIMEOUT_MS * 2 });
        claimed = batch.length;
        await Promise.all(batch.map((item) => this.send(item)));
      } catch (err) {
        this.logger.warn(`audit relay pass failed: ${(err as Error)?.message ?? String(err)}`);
      }
      if (this.running && claimed < LIMITS_AUDIT_RELAY_BATCH) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, LIMITS_AUDIT_RELAY_POLL_MS);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  private async send(item: AuditOutboxItem): Promise<void> {
    const queued = item.command as unknown as QueuedAudit;
    try {
      await this.client.command(
        'ledger-writer',
        'audit',
        { type: 'ledger.audit', tenant: item.tenant, project: queued.project, correlationId: queued.correlationId, data: queued.data },
        { timeoutMs: LIMITS_AUDIT_REQUEST_TIMEOUT_MS },
      );
      await this.repo.remove(this.ds, { id: item.id });
    } catch (err) {
      const error = `${(err as { code?: string })?.code ?? 'error'}: ${(err as Error)?.message ?? String(err)}`.slice(0, 1_024);
      const delayMs = backoffMs(Math.min(item.attempts, 30), LIMITS_AUDIT_RETRY_BACKOFF);
      this.logger.warn(`audit entry ${item.id} (${queued.data.action} ${queued.data.targetId}) not recorded yet, retry in ${delayMs} ms: ${error}`);
      await this.repo.defer(this.ds, { id: item.id, delayMs, error });
    }
  }
}
