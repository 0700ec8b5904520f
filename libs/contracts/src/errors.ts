/**
 * Stable error codes shared by HTTP problem+json bodies and NATS error replies.
 * `status` is the HTTP status the code maps to.
 */
export const ErrorCodes = {
  validation: { code: 'validation_failed', status: 400, title: 'Request is not valid' },
  decode: { code: 'decode_failed', status: 400, title: 'Message could not be decoded' },
  tenantRequired: { code: 'tenant_required', status: 400, title: 'A tenant is required' },
  unauthorized: { code: 'unauthorized', status: 401, title: 'Authentication required' },
  forbidden: { code: 'forbidden', status: 403, title: 'Not allowed' },
  notFound: { code: 'not_found', status: 404, title: 'Not found' },
  idempotencyConflict: { code: 'idempotency_conflict', status: 409, title: 'Idempotency-Key reused with a different body' },
  staleLease: { code: 'stale_lease', status: 409, title: 'Lease is not current (fenced)' },
  invalidTransition: { code: 'invalid_transition', status: 409, title: 'Transition does not apply to the job state' },
  payloadTooLarge: { code: 'payload_too_large', status: 413, title: 'Payload too large' },
  artifactExists: { code: 'artifact_exists', status: 409, title: 'An artifact of that name exists for this attempt' },
  artifactTooLarge: { code: 'artifact_too_large', status: 413, title: 'Artifact over the size limit' },
  artifactMissing: { code: 'artifact_missing', status: 502, title: 'The artifact is not in the object store' },
  artifactDigestMismatch: { code: 'artifact_digest_mismatch', status: 502, title: 'The stored artifact does not match its ledger record' },
  unsupportedMediaType: { code: 'unsupported_media_type', status: 415, title: 'Unsupported media type' },
  rateLimited: { code: 'rate_limited', status: 429, title: 'Too many requests' },
  unavailable: { code: 'unavailable', status: 503, title: 'A dependency is unavailable' },
  timeout: { code: 'timeout', status: 504, title: 'A dependency did not answer in time' },
  internal: { code: 'internal', status: 500, title: 'Internal error' },
} as const;
export type ErrorCodeKey = keyof typeof ErrorCodes;
export type ErrorCode = (typeof ErrorCodes)[ErrorCodeKey]['code'];

/** The error body of a NATS reply: same fields as problem+json. */
export interface ErrorBody {
  code: string;
  title: string;
  status: number;
  detail: string;
  retryable: boolean;
  /** Field-level problems for validation errors. */
  errors?: { path: string; message: string }[];
  traceId?: string;
}

/** A NATS reply: `{v:1, ok:true, data}` or `{v:1, ok:false, error}`. */
export type Reply<T> = { v: 1; ok: true; data: T } | { v: 1; ok: false; error: ErrorBody };

/** An error carrying a stable code; thrown by domain and adapters, mapped once at the edges. */
export class OrchError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly retryable: boolean;
  readonly errors?: { path: string; message: string }[];

  constructor(
    key: ErrorCodeKey,
    detail: string,
    options: { cause?: unknown; retryable?: boolean; errors?: { path: string; message: string }[] } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    const spec = ErrorCodes[key];
    this.name = 'OrchError';
    this.code = spec.code;
    this.status = spec.status;
    this.title = spec.title;
    this.retryable = options.retryable ?? (spec.status >= 500);
    this.errors = options.errors;
  }

  toBody(traceId?: string): ErrorBody {
    return {
      code: this.code,
      title: this.title,
      status: this.status,
      detail: this.message,
      retryable: this.retryable,
      ...(this.errors ? { errors: this.errors } : {}),
      ...(traceId ? { traceId } : {}),
    };
  }

  /** Rebuilds an error from a reply body (client side). */
  static fromBody(body: ErrorBody): OrchError {
    const key = (Object.keys(ErrorCodes) as ErrorCodeKey[]).find((k) => ErrorCodes[k].code === body.code) ?? 'internal';
    const err = new OrchError(key, body.detail, { retryable: body.retryable, errors: body.errors });
    return err;
  }
}
