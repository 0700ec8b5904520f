import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JobStatus } from '@orch/contracts';

const tsTransformer = {
  to: (v: Date | null | undefined) => v,
  from: (v: Date | string | null) => (v === null ? null : new Date(v)),
};
const bigintTransformer = { to: (v: number) => v, from: (v: string | number) => Number(v) };

/** Current state of a job (`ledger.jobs`); written only by ledger-writer. */
@Entity({ schema: 'ledger', name: 'jobs' })
export class JobEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') tenant!: string;
  @Column('text') project!: string;
  @Column('text', { name: 'job_type' }) jobType!: string;
  @Column('text') status!: JobStatus;
  @Column('text', { name: 'status_reason', nullable: true }) statusReason!: string | null;
  @Column('smallint') priority!: number;
  @Column('jsonb') payload!: Record<string, unknown>;
  @Column('char', { name: 'payload_digest', length: 64 }) payloadDigest!: string;
  @Column('jsonb', { nullable: true }) result!: unknown;
  @Column('jsonb', { name: 'last_error', nullable: true }) lastError!: Record<string, unknown> | null;
  @Column('integer') attempt!: number;
  @Column('integer', { name: 'max_attempts' }) maxAttempts!: number;
  @Column('timestamptz', { name: 'run_at', nullable: true, transformer: tsTransformer }) runAt!: Date | null;
  @Column('timestamptz', { name: 'eligible_at', nullable: true, transformer: tsTransformer }) eligibleAt!: Date | null;
  @Column('integer', { name: 'admitted_attempt', nullable: true }) admittedAttempt!: number | null;
  @Column('uuid', { name: 'lease_id', nullable: true }) leaseId!: string | null;
  @Column('bigint', { name: 'fencing_token', transformer: bigintTransformer }) fencingToken!: number;
  @Column('timestamptz', { name: 'lease_expires_at', nullable: true, transformer: tsTransformer }) leaseExpiresAt!: Date | null;
  @Column('integer', { name: 'lease_ms', nullable: true }) leaseMs!: number | null;
  @Column('text', { name: 'worker_id', nullable: true }) workerId!: string | null;
  @Column('real', { name: 'progress_percent', nullable: true }) progressPercent!: number | null;
  @Column('text', { name: 'progress_message', nullable: true }) progressMessage!: string | null;
  @Column('text', { name: 'correlation_id' }) correlationId!: string;
  @Column('text', { name: 'idempotency_key' }) idempotencyKey!: string;
  @Column('uuid', { name: 'run_id', nullable: true }) runId!: string | null;
  @Column('uuid', { name: 'replay_of', nullable: true }) replayOf!: string | null;
  @Column('timestamptz', { name: 'created_at', transformer: tsTransformer }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', transformer: tsTransformer }) updatedAt!: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true, transformer: tsTransformer }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true, transformer: tsTransformer }) finishedAt!: Date | null;
  @Column('timestamptz', { name: 'cancel_requested_at', nullable: true, transformer: tsTransformer }) cancelRequestedAt!: Date | null;
  @Column('text', { name: 'cancel_reason', nullable: true }) cancelReason!: string | null;
  @Column('timestamptz', { name: 'cancel_deadline', nullable: true, transformer: tsTransformer }) cancelDeadline!: Date | null;
  @Column('timestamptz', { name: 'deadline_at', nullable: true, transformer: tsTransformer }) deadlineAt!: Date | null;
}
