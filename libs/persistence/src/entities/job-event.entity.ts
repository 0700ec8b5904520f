import { Column, Entity, PrimaryColumn } from 'typeorm';

const bigintTransformer = { to: (v: number) => v, from: (v: string | number) => Number(v) };

/** One ledger entry (`ledger.job_events`), append-only and hash-chained per tenant. */
@Entity({ schema: 'ledger', name: 'job_events' })
export class JobEventEntity {
  @PrimaryColumn('text') tenant!: string;
  @PrimaryColumn('bigint', { transformer: bigintTransformer }) seq!: number;
  @Column('text') project!: string;
  @Column('uuid') id!: string;
  @Column('uuid', { name: 'job_id' }) jobId!: string;
  @Column('text', { name: 'event_type' }) eventType!: string;
  @Column('integer') attempt!: number;
  @Column('timestamptz', { name: 'occurred_at' }) occurredAt!: Date;
  @Column('jsonb') actor!: { subject: string; scopes: string[] };
  @Column('jsonb') data!: Record<string, unknown>;
  @Column('char', { name: 'prev_hash', length: 64 }) prevHash!: string;
  @Column('char', { length: 64 }) hash!: string;
}

/** The dead-letter set (`ledger.dead_letters`). */
@Entity({ schema: 'ledger', name: 'dead_letters' })
export class DeadLetterEntity {
  @PrimaryColumn('uuid', { name: 'job_id' }) jobId!: string;
  @Column('text') tenant!: string;
  @Column('text') project!: string;
  @Column('text', { name: 'job_type' }) jobType!: string;
  @Column('integer') attempt!: number;
  @Column('text') reason!: string;
  @Column('text', { name: 'error_code', nullable: true }) errorCode!: string | null;
  @Column('text', { name: 'error_message', nullable: true }) errorMessage!: string | null;
  @Column('timestamptz', { name: 'dead_lettered_at' }) deadLetteredAt!: Date;
}
