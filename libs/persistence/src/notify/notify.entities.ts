import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeliveryStatus } from '@orch/contracts';

const tsTransformer = {
  to: (v: Date | null | undefined) => v,
  from: (v: Date | string | null) => (v === null ? null : new Date(v)),
};

/** A registered endpoint (`notify.webhooks`); `secret` never leaves the event-notifier except once, at creation or rotation. */
@Entity({ schema: 'notify', name: 'webhooks' })
export class WebhookEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') tenant!: string;
  /** null = every project. */
  @Column('text', { array: true, nullable: true }) projects!: string[] | null;
  /** Empty = every event type. */
  @Column('text', { name: 'event_types', array: true }) eventTypes!: string[];
  @Column('text') url!: string;
  @Column('text') secret!: string;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('boolean') enabled!: boolean;
  @Column('timestamptz', { name: 'created_at', transformer: tsTransformer }) createdAt!: Date;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('timestamptz', { name: 'updated_at', transformer: tsTransformer }) updatedAt!: Date;
}

/** One notifier event to one webhook (`notify.deliveries`), unique per (webhook, event). */
@Entity({ schema: 'notify', name: 'deliveries' })
export class DeliveryEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'webhook_id' }) webhookId!: string;
  @Column('text') tenant!: string;
  @Column('uuid', { name: 'event_id' }) eventId!: string;
  @Column('text', { name: 'event_type' }) eventType!: string;
  /** The request body, byte for byte what every attempt sends (and signs). */
  @Column('text') body!: string;
  @Column('text') status!: DeliveryStatus;
  @Column('integer') attempts!: number;
  /** `attempts` when the current round began (0, or the count at the last redelivery). */
  @Column('integer', { name: 'round_base' }) roundBase!: number;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true, transformer: tsTransformer }) nextAttemptAt!: Date | null;
  @Column('integer', { name: 'last_status_code', nullable: true }) lastStatusCode!: number | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('timestamptz', { name: 'created_at', transformer: tsTransformer }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', transformer: tsTransformer }) updatedAt!: Date;
}

/** One HTTP attempt of a delivery (`notify.delivery_attempts`). */
@Entity({ schema: 'notify', name: 'delivery_attempts' })
export class DeliveryAttemptEntity {
  @PrimaryColumn('uuid', { name: 'delivery_id' }) deliveryId!: string;
  @PrimaryColumn('integer') attempt!: number;
  @Column('timestamptz', { name: 'started_at', transformer: tsTransformer }) startedAt!: Date;
  @Column('integer', { name: 'duration_ms' }) durationMs!: number;
  @Column('integer', { name: 'status_code', nullable: true }) statusCode!: number | null;
  @Column('text', { nullable: true }) error!: string | null;
  @Column('text', { name: 'response_excerpt', nullable: true }) responseExcerpt!: string | null;
}

/** An audit command waiting to reach the ledger-writer (`notify.audit_outbox`). */
@Entity({ schema: 'notify', name: 'audit_outbox' })
export class AuditOutboxEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') tenant!: string;
  @Column('jsonb') command!: Record<string, unknown>;
  @Column('integer') attempts!: number;
  @Column('timestamptz', { name: 'next_attempt_at', transformer: tsTransformer }) nextAttemptAt!: Date;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('timestamptz', { name: 'created_at', transformer: tsTransformer }) createdAt!: Date;
}
