/** A webhook's filters, as the fan-out matches them. */
export interface WebhookFilter {
  id: string;
  /** null = every project. */
  projects: readonly string[] | null;
  /** Empty = every event type. */
  eventTypes: readonly string[];
}

/** The fields of a notifier event the filters look at. */
export interface FilteredEvent {
  projectId: string;
  eventType: string;
}

/** Whether `event` passes the webhook's project and event-type filters. */
export function matchesWebhook(filter: WebhookFilter, event: FilteredEvent): boolean {
  return (
    (filter.projects === null || filter.projects.includes(event.projectId)) &&
    (filter.eventTypes.length === 0 || filter.eventTypes.includes(event.eventType))
  );
}

/** Ids of the webhooks `event` goes to. */
export function matchingWebhookIds(filters: readonly WebhookFilter[], event: FilteredEvent): string[] {
  return filters.filter((f) => matchesWebhook(f, event)).map((f) => f.id);
}

/** Options of {@link TenantWebhookCache}. */
export interface TenantWebhookCacheOptions {
  /** How long a tenant's list is trusted; bounds how stale another replica's change can look. */
  ttlMs: number;
  /** Tenants kept at most (oldest loaded is evicted first). */
  maxTenants: number;
}

interface Entry {
  filters: Promise<WebhookFilter[]>;
  loadedAt: number;
}

/**
 * Enabled webhooks per tenant, loaded on demand. Concurrent lookups of a tenant
 * share one load; {@link invalidate} (called on every change this replica makes)
 * drops the entry so the next event reloads it; the TTL covers changes made
 * through other replicas. A failed load is not cached.
 */
export class TenantWebhookCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly load: (tenant: string) => Promise<WebhookFilter[]>,
    private readonly options: TenantWebhookCacheOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** The tenant's enabled webhooks (from cache when fresh). */
  get(tenant: string): Promise<WebhookFilter[]> {
    const hit = this.entries.get(tenant);
    if (hit && this.now() - hit.loadedAt < this.options.ttlMs) return hit.filters;
    this.entries.delete(tenant);
    const entry: Entry = { filters: this.load(tenant), loadedAt: this.now() };
    this.entries.set(tenant, entry);
    entry.filters.catch(() => {
      if (this.entries.get(tenant) === entry) this.entries.delete(tenant);
    });
    while (this.entries.size > this.options.maxTenants) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return entry.filters;
  }

  /** Forgets the tenant's list (its webhooks changed). */
  invalidate(tenant: string): void {
    this.entries.delete(tenant);
  }

  /** Tenants cached now. */
  get size(): number {
    return this.entries.size;
  }
}
