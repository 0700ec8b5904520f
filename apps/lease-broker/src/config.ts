import { ArtifactLimits, WorkerLimits } from '@orch/contracts';
import { BaseServiceConfig, IsPortNumber } from '@orch/service-kit';
import { IsInt, Max, Min } from 'class-validator';

/** Default `HTTP_PORT` of the lease-broker. */
export const LEASE_BROKER_PORT_DEFAULT = 8082;
/** Lease a claim gets when it does not ask for one. */
export const LEASE_DEFAULT_MS = 30_000;
/** Longest lease a worker may ask for. */
export const LEASE_MAX_MS = WorkerLimits.leaseMaxMs;
/** Longest a claim may long-poll for work. */
export const CLAIM_WAIT_MAX_MS = WorkerLimits.claimMaxWaitMs;
/** How often the reaper looks for expired leases. */
export const REAPER_INTERVAL_MS = 1_000;
/** Most expired leases one reaper pass handles. */
export const REAPER_BATCH = 500;
/** Dispatch messages requested per (tenant, job type) pull. */
export const DISPATCH_PREFETCH = 64;
/** A (tenant, job type) nobody claimed for this long stops pulling and returns its buffer. */
export const DISPATCH_IDLE_MS = 30_000;
/**
 * Cap on delivered-but-unleased dispatch messages per (tenant, job type),
 * across all replicas (the durable consumer's max_ack_pending).
 */
export const DISPATCH_MAX_ACK_PENDING = 1_024;
/** Largest artifact a worker may publish (64 MiB). */
export const ARTIFACT_MAX_BYTES = ArtifactLimits.maxBytesDefault;
/** Most bytes a tenant's artifact bucket holds in all; -1: no limit. */
export const ARTIFACT_BUCKET_MAX_BYTES = -1;

/** lease-broker configuration (environment variables, validated at boot). */
export class LeaseBrokerConfig extends BaseServiceConfig {
  @IsPortNumber()
  HTTP_PORT: number = LEASE_BROKER_PORT_DEFAULT;

  /** Lease given when a claim does not ask for one. */
  @IsInt() @Min(WorkerLimits.leaseMinMs) @Max(WorkerLimits.leaseMaxMs)
  LEASE_DEFAULT_MS: number = LEASE_DEFAULT_MS;

  /** Upper bound of the lease a claim may ask for. */
  @IsInt() @Min(WorkerLimits.leaseMinMs) @Max(WorkerLimits.leaseMaxMs)
  LEASE_MAX_MS: number = LEASE_MAX_MS;

  /** Upper bound of a claim's long-poll. */
  @IsInt() @Min(0) @Max(WorkerLimits.claimMaxWaitMs)
  CLAIM_WAIT_MAX_MS: number = CLAIM_WAIT_MAX_MS;

  @IsInt() @Min(10) @Max(60_000)
  REAPER_INTERVAL_MS: number = REAPER_INTERVAL_MS;

  @IsInt() @Min(1) @Max(5_000)
  REAPER_BATCH: number = REAPER_BATCH;

  @IsInt() @Min(1) @Max(1_000)
  DISPATCH_PREFETCH: number = DISPATCH_PREFETCH;

  @IsInt() @Min(100) @Max(3_600_000)
  DISPATCH_IDLE_MS: number = DISPATCH_IDLE_MS;

  @IsInt() @Min(1) @Max(100_000)
  DISPATCH_MAX_ACK_PENDING: number = DISPATCH_MAX_ACK_PENDING;

  @IsInt() @Min(2) @Max(100)
  DB_POOL_SIZE: number = 4;

  /** Largest artifact a worker may publish (told in every allocation; a bigger record is refused). */
  @IsInt() @Min(1) @Max(ArtifactLimits.maxBytesCeiling)
  ARTIFACT_MAX_BYTES: number = ARTIFACT_MAX_BYTES;

  /** Most bytes one tenant's artifact bucket holds (JetStream refuses chunks beyond it); -1: no limit. */
  @IsInt() @Min(-1)
  ARTIFACT_BUCKET_MAX_BYTES: number = ARTIFACT_BUCKET_MAX_BYTES;
}
