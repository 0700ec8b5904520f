import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { limitsChangedAll, OrchNames } from '@orch/contracts';
import type { LimitRuleSet } from '@orch/domain';
import { NATS_CONNECTION, ORCH_NAMES } from '@orch/messaging';
import { LIMITS_DATA_SOURCE, LimitsRulesRepository } from '@orch/persistence';
import type { DataSource } from 'typeorm';
import { RateLimiterConfig } from '../config';

/** Tenants whose rule sets are kept at most; past it the oldest entry goes. */
export const RULE_SET_CACHE_MAX_TENANTS = 10_000;

interface Entry {
  loadedAt: number;
  set: Promise<LimitRuleSet>;
}

/** The tenant a `<ns>.limits.<tenant>.changed` subject names. */
export function tenantOfChangedSubject(subject: string): string | null {
  const parts = subject.split('.');
  return parts.length === 4 && parts[1] === 'limits' && parts[3] === 'changed' ? parts[2] : null;
}

/**
 * A tenant's rules and pauses, read once per `LIMITS_RULES_CACHE_MS` instead of once per
 * admission batch, ledger event or upstream report (docs/adr/0016). An entry is dropped when
 * `<ns>.limits.<tenant>.changed` says its rules or pauses changed — every replica hears a change
 * made through any of them — and on its own after the lifetime, which bounds how late a lost
 * notice or a rule written straight into the database takes effect. A failed read is not kept.
 */
@Injectable()
export class RuleSetCache implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RuleSetCache');
  private readonly repo = new LimitsRulesRepository();
  private readonly entries = new Map<string, Entry>();
  private sub?: Subscription;

  constructor(
    @Inject(LIMITS_DATA_SOURCE) private readonly ds: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(ORCH_NAMES) private readonly names: OrchNames,
    private readonly config: RateLimiterConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.sub = this.nc.subscribe(limitsChangedAll(this.names.namespace), {
      callback: (err, msg) => {
        if (err) return;
        const tenant = tenantOfChangedSubject(msg.subject);
        if (!tenant) return;
        let change: unknown = null;
        try {
          change = (JSON.parse(msg.string()) as { change?: unknown }).change;
        } catch {
          // An unreadable notice still names the tenant: drop its entry.
        }
        if (change !== 'slots') this.invalidate(tenant);
      },
    });
  }

  beforeApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }

  /** The tenant's rule set, from the cache while it is fresh. */
  get(tenant: string, now = Date.now()): Promise<LimitRuleSet> {
    const ttl = this.config.LIMITS_RULES_CACHE_MS;
    if (ttl === 0) return this.repo.loadRuleSet(this.ds, { tenant });
    const hit = this.entries.get(tenant);
    if (hit && now - hit.loadedAt < ttl) return hit.set;
    const entry: Entry = { loadedAt: now, set: this.repo.loadRuleSet(this.ds, { tenant }) };
    this.entries.delete(tenant);
    this.entries.set(tenant, entry);
    if (this.entries.size > RULE_SET_CACHE_MAX_TENANTS) this.entries.delete(this.entries.keys().next().value as string);
    entry.set.catch((err: unknown) => {
      if (this.entries.get(tenant) === entry) this.entries.delete(tenant);
      this.logger.warn(`rules of ${tenant} not read: ${(err as Error)?.message ?? String(err)}`);
    });
    return entry.set;
  }

  /** Drops the tenant's entry: the next decision reads its rules again. */
  invalidate(tenant: string): void {
    this.entries.delete(tenant);
  }
}
