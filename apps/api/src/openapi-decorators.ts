/**
 * OpenAPI decorators several api routes share: parameters, and error responses
 * with Orch's problem+json examples. Route-specific ones are declared on the route.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiQuery } from '@nestjs/swagger';
import { OperatorLimits } from '@orch/contracts';
import { ApiProblemResponse, type ProblemExampleSpec } from '@orch/service-kit';
import { EXAMPLE_JOB_ID } from './openapi-examples';

type RouteDecorator = MethodDecorator & ClassDecorator;

/** `{id}` of the job routes. */
export const ApiJobIdParam = (): MethodDecorator =>
  ApiParam({ name: 'id', description: 'The job id (UUID).', schema: { type: 'string', format: 'uuid' }, example: EXAMPLE_JOB_ID });

/** `created_after` / `created_before` of the job queries. */
export const ApiCreatedRangeQuery = (): RouteDecorator =>
  applyDecorators(
    ApiQuery({ name: 'created_after', required: false, description: 'Jobs created at or after this instant (ISO 8601 with a time zone).', schema: { type: 'string', format: 'date-time' } }),
    ApiQuery({ name: 'created_before', required: false, description: 'Jobs created before this instant; must be later than `created_after`.', schema: { type: 'string', format: 'date-time' } }),
  );

/** 404 for a job id: unknown, malformed and another tenant's are answered alike. */
export const JobNotFound = (): RouteDecorator =>
  ApiProblemResponse(404, {
    description: "No such job in the caller's tenant. A malformed id, an unknown id and another tenant's job are answered alike.",
    examples: { not_found: { code: 'not_found', detail: `job ${EXAMPLE_JOB_ID} not found`, instance: `/api/v1/jobs/${EXAMPLE_JOB_ID}` } },
  });

/** 409 of an idempotent POST whose key came with another request. */
export const IdempotencyConflict = (what = 'request body'): RouteDecorator =>
  ApiProblemResponse(409, {
    description: `The Idempotency-Key was used before with another ${what} (\`idempotency_conflict\`); nothing changed. Use a new key for a new request.`,
    examples: {
      idempotency_conflict: { summary: 'Same key, different body', code: 'idempotency_conflict', detail: `Idempotency-Key order-42-submit was used with a different ${what}` },
    },
  });

/** 415 of a route with a JSON body. */
export const NotJson = (): RouteDecorator =>
  ApiProblemResponse(415, {
    description: 'The body is not declared JSON (`Content-Type: application/json` or `application/*+json`).',
    examples: { unsupported_media_type: { code: 'unsupported_media_type', title: 'Unsupported Media Type', detail: 'Content-Type must be application/json' } },
  });

/** 413 of a body over `API_MAX_BODY_BYTES`. */
export const BodyTooLarge = (payload: boolean): RouteDecorator =>
  ApiProblemResponse(413, {
    description: payload
      ? 'The request body is over `API_MAX_BODY_BYTES`, or a job payload over `API_MAX_PAYLOAD_BYTES` (serialized JSON) (`payload_too_large`).'
      : 'The request body is over `API_MAX_BODY_BYTES` (`payload_too_large`).',
    examples: {
      body: { summary: 'Body over the limit', code: 'payload_too_large', detail: 'request body exceeds 1048576 bytes' },
      ...(payload
        ? { payload: { summary: 'Payload over the limit', code: 'payload_too_large', detail: 'payload is 300000 bytes serialized; the limit is 262144', errors: [{ path: 'payload', message: 'payload must be at most 262144 bytes serialized' }] } }
        : {}),
    },
  });

/** 503 when a command to another service or a ledger read cannot be done now. */
export const Unavailable = (service: string, idempotent: boolean): RouteDecorator =>
  ApiProblemResponse(503, {
    description: `${service} is unavailable or did not answer in time (\`unavailable\`); retry after \`Retry-After\`${idempotent ? ' with the same Idempotency-Key (safe: it cannot act twice)' : ''}.`,
    examples: { unavailable: { code: 'unavailable', detail: `${service} is unavailable; ${idempotent ? 'retry with the same Idempotency-Key' : 'retry later'}` } },
  });

/** 400 for a bad query string (every problem listed in `errors`). */
export const BadQuery = (what: string, param: string, message: string): RouteDecorator =>
  ApiProblemResponse(400, {
    description: 'A query parameter is malformed or unknown (`validation_failed`, each in `errors`), or a multi-tenant token sent no `X-Orch-Tenant` (`tenant_required`).',
    examples: {
      validation_failed: { code: 'validation_failed', detail: `${what}: ${message}`, errors: [{ path: param, message }] },
      tenant_required: { code: 'tenant_required', detail: 'the token lists several tenants: choose one with the X-Orch-Tenant header' },
    },
  });

const reasonMessage = `X-Orch-Reason is required for this operator action (1-${OperatorLimits.reasonMaxLength} characters)`;
/** The 400 of an operator action sent without `X-Orch-Reason`. */
export const REASON_MISSING: ProblemExampleSpec = { summary: 'No X-Orch-Reason', code: 'validation_failed', detail: reasonMessage, errors: [{ path: 'X-Orch-Reason', message: reasonMessage }] };
