import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppendAuditCommand, OperatorContext } from '@orch/contracts';
import { backoffMs, digestOf } from '@orch/domain';
import { OrchClient } from '@orch/messaging';
import { AuditOutboxItem, NOTIFY_DATA_SOURCE, Queryable, WebhookRepository, WebhookRow } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { IdleWaiter } from './idle-waiter';

/** Idempotency scope of the audit commands this service sends (the key is the outbox id). */
export const WEBHOOK_AUDIT_SCOPE = 'event-notifier webhook audit';
/** Audit commands sent per relay pass. */
export const AUDIT_RELAY_BATCH = 50;
/** Relay poll interval when nothing was queued by this replica. */
export const AUDIT_RELAY_POLL_MS = 1_000;
/** How long one audit command waits for the ledger-writer. */
export const AUDIT_REQUEST_TIMEOUT_MS = 5_000;
/** Backoff of an audit command the ledger-writer did not take. */
export const AUDIT_RETRY_BACKOFF = { baseMs: 1_000, maxMs: 60_000, jitter: 0.5 } as const;

/** An audited webhook change. */
export interface WebhookAuditEntry {
  action: 'webhook.create' | 'webhook.update' | 'webhook.delete' | 'webhook.redeliver';
  targetType: 'webhook' | 'webhook_delivery';
  targetId: string;
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

/** What the outbox keeps: the command and the envelope fields it goes out with. */
interface QueuedAudit {
  project: string;
  correlationId: string;
  data: AppendAuditCommand;
}

/** The audited fields of a webhook (never its secret). */
export function auditedWebhook(w: WebhookRow): Record<string, unknown> {
  return { url: w.url, projects: w.projects, eventTypes: w.eventTypes, description: w.description, enabled: w.enabled };
}

/** The `ledger-writer.audit` command of an entry; its idempotency key is the outbox id, so a resend records it once. */
export function auditCommand(outboxId: string, entry: WebhookAuditEntry): AppendAuditCommand {
  const data: AppendAuditCommand = {
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    ...(entry.before ? { before: entry.before } : {}),
    ...(entry.after ? { after: entry.after } : {}),
    operator: entry.operator,
  };
  return { ...data, idempotency: { key: outboxId, scope: WEBHOOK_AUDIT_SCOPE, requestDigest: digestOf(data) } };
}

/**
 * Audit of webhook changes, through an outbox: {@link record} (THE audit call
 * site of every webhook change) queues an `AppendAuditCommand` in the same
 * transaction as the change, and a relay sends it to `ledger-writer.audit`
 * after commit, retrying with backoff until the ledger-writer takes it. So a
 * change is never committed without its audit entry eventually being
 * written, and never audited twice.
 */
@Injectable()
export class WebhookAuditService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookAudit');
  private readonly repo = new WebhookRepository();
  private readonly idler = new IdleWaiter();
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    @Inject(NOTIFY_DATA_SOURCE) private readonly ds: DataSource,
    private readonly client: OrchClient,
  ) {}

  /** Queues the audit entry of a change; `tx` is the change's transaction. Call {@link flush} after commit. */
  async record(tx: Queryable, caller: CallerRef, entry: WebhookAuditEntry): Promise<void> {
    const id = uuidv7();
    const queued: QueuedAudit = { project: caller.project, correlationId: caller.correlationId, data: auditCommand(id, entry) };
    await this.repo.appendAudit(tx, { id, tenant: caller.tenant, command: queued as unknown as Record<string, unknown> });
  }

  /** Sends queued entries now rather than at the next poll. */
  flush(): void {
    this.idler.wake();
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.idler.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        const batch = await this.repo.claimAudit(this.ds, { limit: AUDIT_RELAY_BATCH, leaseMs: AUDIT_REQUEST_TIMEOUT_MS * 2 });
        claimed = batch.length;
        await Promise.all(batch.map((item) => this.send(item)));
      } catch (err) {
        this.logger.warn(`audit relay pass failed: ${(err as Error)?.message ?? String(err)}`);
      }
      if (this.running && claimed < AUDIT_RELAY_BATCH) await this.idler.wait(AUDIT_RELAY_POLL_MS);
    }
  }

  private async send(item: AuditOutboxItem): Promise<void> {
    const queued = item.command as unknown as QueuedAudit;
    try {
      await this.client.command(
        'ledger-writer',
        'audit',
        { type: 'ledger.audit', tenant: item.tenant, project: queued.project, correlationId: queued.correlationId, data: queued.data },
        { timeoutMs: AUDIT_REQUEST_TIMEOUT_MS },
      );
      await this.repo.deleteAudit(this.ds, { id: item.id });
    } catch (err) {
      const error = `${(err as { code?: string })?.code ?? 'error'}: ${(err as Error)?.message ?? String(err)}`.slice(0, 1_024);
      const delayMs = backoffMs(Math.min(item.attempts, 30), AUDIT_RETRY_BACKOFF);
      this.logger.warn(`audit entry ${item.id} (${queued.data.action} ${queued.data.targetId}) not recorded yet, retry in ${delayMs} ms: ${error}`);
      await this.repo.deferAudit(this.ds, { id: item.id, delayMs, error });
    }
  }
}
