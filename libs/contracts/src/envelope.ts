import { Type } from 'class-transformer';
import {
  Equals,
  IsDefined,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { ID_TOKEN_PATTERN, JOB_TYPE_PATTERN } from './names';

/** Envelope schema version. */
export const ENVELOPE_VERSION = 1 as const;

/** `*` is allowed as project only where a message spans projects (a worker's claim). */
export const PROJECT_OR_ANY_PATTERN = /^(\*|[a-z0-9][a-z0-9_-]{0,62})$/;

/**
 * Every message on NATS is an envelope. `data` is validated separately, against
 * the payload class of the message `type`.
 */
export class Envelope<T = unknown> {
  @Equals(ENVELOPE_VERSION)
  v!: 1;

  @IsString()
  @MaxLength(64)
  id!: string;

  @IsString()
  @Matches(/^[a-z][a-z0-9_.-]{0,63}$/)
  type!: string;

  @IsISO8601({ strict: true })
  ts!: string;

  @Matches(ID_TOKEN_PATTERN)
  tenant!: string;

  @Matches(PROJECT_OR_ANY_PATTERN)
  project!: string;

  @IsString()
  @MaxLength(128)
  correlationId!: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  causationId?: string;

  @IsOptional()
  @Matches(JOB_TYPE_PATTERN)
  jobType?: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  taskRunnerId?: string;

  @IsDefined()
  @IsObject()
  @Type(() => Object)
  data!: T;
}

/** Fields a caller supplies when building an envelope; the rest is filled in. */
export interface EnvelopeInit<T> {
  type: string;
  tenant: string;
  project: string;
  correlationId: string;
  causationId?: string;
  jobType?: string;
  taskRunnerId?: string;
  data: T;
  id?: string;
  ts?: string;
}
