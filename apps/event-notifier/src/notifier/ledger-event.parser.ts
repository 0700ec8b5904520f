import { plainToInstance, Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
  validateSync,
  ValidationError,
} from 'class-validator';
import { ID_TOKEN_PATTERN, JOB_STATUSES, JOB_TYPE_PATTERN, JobEventData, OrchError } from '@orch/contracts';

/**
 * Event types become one subject token of `orch.notify.<tenant>.<event_type>`
 * (dots turned into `_`), so they must not carry wildcards or spaces.
 */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

const nullable = (_: object, v: unknown) => v !== null && v !== undefined;

class ActorShape {
  @IsString() @MaxLength(256)
  subject!: string;

  @IsString({ each: true })
  scopes!: string[];
}

class LedgerEventShape {
  @IsString() @MaxLength(64)
  id!: string;

  @Matches(ID_TOKEN_PATTERN)
  tenant!: string;

  @IsInt() @Min(1)
  seq!: number;

  @Matches(ID_TOKEN_PATTERN)
  project!: string;

  @IsString() @MaxLength(64)
  jobId!: string;

  @Matches(EVENT_TYPE_PATTERN)
  eventType!: string;

  @IsInt() @Min(1)
  attempt!: number;

  @IsISO8601({ strict: true })
  occurredAt!: string;

  @IsDefined() @ValidateNested() @Type(() => ActorShape)
  actor!: ActorShape;

  @IsObject()
  data!: Record<string, unknown>;
}

class JobSnapshotShape {
  @IsString() @MaxLength(64)
  id!: string;

  @Matches(JOB_TYPE_PATTERN)
  type!: string;

  @IsIn(JOB_STATUSES)
  status!: string;

  @IsInt() @Min(1)
  attempt!: number;

  @ValidateIf(nullable) @IsString() @MaxLength(64)
  leaseId!: string | null;

  @ValidateIf(nullable) @IsString() @MaxLength(128)
  taskRunnerId!: string | null;

  @ValidateIf(nullable) @IsString() @MaxLength(64)
  runId!: string | null;

  @ValidateIf(nullable) @IsString() @MaxLength(256)
  reason!: string | null;

  @IsString() @MaxLength(128)
  payloadDigest!: string;
}

class JobEventShape {
  @IsDefined() @ValidateNested() @Type(() => LedgerEventShape)
  event!: LedgerEventShape;

  @IsDefined() @ValidateNested() @Type(() => JobSnapshotShape)
  job!: JobSnapshotShape;
}

/** The envelope fields the ledger event is checked against. */
export interface LedgerEnvelopeFields {
  type: string;
  tenant: string;
  project: string;
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    return [...Object.values(e.constraints ?? {}).map((m) => `${path}: ${m}`), ...flatten(e.children ?? [], path)];
  });
}

function malformed(detail: string): OrchError {
  // Redelivery cannot fix a malformed event: the consumer terminates it.
  return new OrchError('validation', `ledger event: ${detail}`, { retryable: false });
}

/**
 * Checks the `data` of a ledger event envelope (`orch.evt.*`, {@link JobEventData})
 * and that it agrees with its envelope. A tolerant reader: only the fields the
 * notifier uses are checked, so the ledger-writer can add fields without
 * breaking an older notifier.
 *
 * @throws OrchError `validation_failed`, not retryable.
 */
export function parseJobEventData(envelope: LedgerEnvelopeFields, plain: unknown): JobEventData {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) throw malformed('data is not a JSON object');
  const shape = plainToInstance(JobEventShape, plain, { enableImplicitConversion: false });
  const problems = flatten(validateSync(shape, { forbidUnknownValues: true }));
  if (problems.length > 0) throw malformed(problems.join('; '));
  const { event, job } = plain as JobEventData;
  if (event.eventType !== envelope.type) throw malformed(`event.eventType ${event.eventType} differs from envelope type ${envelope.type}`);
  if (event.tenant !== envelope.tenant) throw malformed(`event.tenant ${event.tenant} differs from envelope tenant ${envelope.tenant}`);
  if (event.project !== envelope.project) throw malformed(`event.project ${event.project} differs from envelope project ${envelope.project}`);
  if (event.jobId !== job.id) throw malformed(`event.jobId ${event.jobId} differs from job.id ${job.id}`);
  return plain as JobEventData;
}
