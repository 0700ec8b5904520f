import { v7 as uuidv7 } from 'uuid';
import { ENVELOPE_VERSION, Envelope, EnvelopeInit } from './envelope';
import { ErrorBody, OrchError, Reply } from './errors';
import { parseJson, validatePlain } from './validate';

const encoder = new TextEncoder();

/** Builds a complete envelope (id and timestamp filled in). */
export function makeEnvelope<T>(init: EnvelopeInit<T>): Envelope<T> {
  const env: Envelope<T> = {
    v: ENVELOPE_VERSION,
    id: init.id ?? uuidv7(),
    type: init.type,
    ts: init.ts ?? new Date().toISOString(),
    tenant: init.tenant,
    project: init.project,
    correlationId: init.correlationId,
    data: init.data,
  };
  if (init.causationId) env.causationId = init.causationId;
  if (init.jobType) env.jobType = init.jobType;
  if (init.taskRunnerId) env.taskRunnerId = init.taskRunnerId;
  return env;
}

/** JSON-encodes any value to bytes. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * Decodes and validates an envelope (not its `data`). Throws OrchError
 * `decode_failed` / `validation_failed`.
 */
export function decodeEnvelope(raw: Uint8Array): Envelope<unknown> {
  const plain = parseJson(raw, 'envelope');
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new OrchError('decode', 'envelope: expected a JSON object');
  }
  // data is validated separately against the message's payload class.
  const { data, ...rest } = plain as Record<string, unknown>;
  const env = validatePlain(Envelope, { ...rest, data: data === undefined ? undefined : {} }, 'envelope');
  env.data = data;
  return env;
}

/** Encodes a success reply. */
export function okReply<T>(data: T): Uint8Array {
  return encodeJson({ v: 1, ok: true, data } satisfies Reply<T>);
}

/** Encodes an error reply. */
export function errorReply(error: ErrorBody): Uint8Array {
  return encodeJson({ v: 1, ok: false, error } satisfies Reply<never>);
}

/** Decodes a reply; returns data or throws the OrchError it carries. */
export function decodeReply<T>(raw: Uint8Array): T {
  const plain = parseJson(raw, 'reply') as Reply<T>;
  if (!plain || typeof plain !== 'object' || typeof plain.ok !== 'boolean') {
    throw new OrchError('decode', 'reply is not a {v, ok, data|error} object');
  }
  if (plain.ok) return plain.data;
  throw OrchError.fromBody(plain.error);
}
