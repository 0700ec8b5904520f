/** OpenAPI decorators the event-notifier's stream routes share. */
import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { ApiProblemResponse, type ProblemExampleSpec } from '@orch/service-kit';

type RouteDecorator = MethodDecorator & ClassDecorator;

/** `from` and the filters of the notifier-event streams (SSE and WebSocket). */
export const ApiStreamFilterQuery = (defaultFrom: 'start' | 'new'): RouteDecorator =>
  applyDecorators(
    ApiQuery({
      name: 'from',
      required: false,
      description: '`new`: only events from now on; `start`: everything the NOTIFY stream retains first. Ignored when resuming.',
      schema: { type: 'string', enum: ['start', 'new'], default: defaultFrom },
    }),
    ApiQuery({ name: 'project', required: false, description: 'Only events of this project.', schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' } }),
    ApiQuery({ name: 'jobType', required: false, description: 'Only events of jobs of this type.', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' } }),
    ApiQuery({ name: 'correlationId', required: false, description: 'Only events of this correlation id.', schema: { type: 'string', maxLength: 128 } }),
  );

/**
 * The errors a stream route answers before it starts (afterwards an error can
 * only end the stream): 400 for a bad parameter, 503 while shutting down or
 * when NATS cannot provide the stream. 401/403 come with every authenticated route.
 */
export const ApiStreamProblems = (opts: { plainGet?: boolean } = {}): RouteDecorator => {
  const badRequest: Record<string, ProblemExampleSpec> = {
    validation_failed: {
      code: 'validation_failed',
      detail: 'Last-Event-ID must be a non-negative integer event id as sent by this stream (got "abc")',
      errors: [{ path: 'Last-Event-ID', message: 'Last-Event-ID must be a non-negative integer event id as sent by this stream (got "abc")' }],
    },
    tenant_required: { code: 'tenant_required', detail: 'the token lists several tenants: choose one with the X-Orch-Tenant header' },
  };
  if (opts.plainGet) {
    badRequest['not_websocket'] = { summary: 'A plain GET', code: 'validation_failed', detail: 'this is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket)' };
  }
  return applyDecorators(
    ApiProblemResponse(400, {
      description: `A malformed or repeated parameter (\`validation_failed\`), no tenant chosen (\`tenant_required\`)${opts.plainGet ? ', or a request without `Upgrade: websocket`' : ''}.`,
      examples: badRequest,
    }),
    ApiProblemResponse(503, {
      description: 'The event-notifier is shutting down or NATS cannot provide the stream (`unavailable`); reconnect after `Retry-After`, resuming where you were.',
      examples: { unavailable: { code: 'unavailable', detail: 'the event-notifier is shutting down; reconnect with Last-Event-ID' } },
    }),
  );
};
