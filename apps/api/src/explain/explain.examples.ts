import { explainJob } from '@orch/domain';
import type { JsonExample } from '@orch/service-kit';
import { exampleJob } from '../openapi-examples';

const now = new Date('2026-11-23T10:20:00.000Z');

/**
 * Answers of `GET /api/v1/jobs/{id}/explain`, produced by the same pure
 * `explainJob` the route runs, so the examples cannot drift from the code.
 */
export const explainExamples = {
  throttled: {
    summary: 'Held by a token bucket on its source',
    value: explainJob({
      job: exampleJob({
        status: 'throttled',
        statusReason: 'rate_limited',
        eligibleAt: '2026-11-23T10:20:04.000Z',
        throttle: { code: 'rate_limited', ruleId: 'nvd-per-source', key: 'tenant=acme/source=nvd.nist.gov', detail: '60 per minute, burst 10' },
      }),
      admitted: false,
      queue: { ahead: 3, waiting: 12 },
      workers: { running: 2, lastStartedAt: new Date('2026-11-23T10:19:58.000Z') },
      openParents: [],
      now,
    }),
  },
  noWorker: {
    summary: 'Dispatched, but no worker serves its type',
    value: explainJob({
      job: exampleJob(),
      admitted: true,
      queue: null,
      workers: { running: 0, lastStartedAt: null },
      openParents: [],
      now,
    }),
  },
} satisfies Record<string, JsonExample>;
