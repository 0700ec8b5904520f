import type { SchemaObject } from '@nestjs/swagger';
import { EXPLAIN_CODES, ExplainReason, JobExplanation, JOB_STATUSES, THROTTLE_CODES } from '@orch/contracts';
import { objectSchema, orNull } from '@orch/service-kit';

const instant = (description?: string): SchemaObject => ({ type: 'string', format: 'date-time', ...(description ? { description } : {}) });
const count = (description: string): SchemaObject => ({ type: 'integer', minimum: 0, description });

const reason = objectSchema<ExplainReason>({
  description: 'One thing that holds the job back, or what it is doing.',
  properties: {
    code: { type: 'string', enum: [...EXPLAIN_CODES, ...THROTTLE_CODES], description: 'An explain code, or the throttle code of the limit that holds a throttled job.' },
    detail: { type: 'string', description: 'A sentence for people.' },
    until: orNull(instant('When this reason stops holding the job, if known.')),
    ruleId: orNull({ type: 'string', description: 'The rule, quota, pause or breaker (throttle reasons).' }),
    key: orNull({ type: 'string', description: "The limit's key (throttle reasons)." }),
  },
  optional: ['ruleId', 'key'],
});

/** Schema of `GET /api/v1/jobs/{id}/explain`. */
export const jobExplanationSchema = objectSchema<JobExplanation>({
  description: 'Why a job is (not) running right now.',
  properties: {
    jobId: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: [...JOB_STATUSES] },
    progressing: { type: 'boolean', description: 'True while a worker holds or runs it, or only the next scheduler pass or a free worker stands between it and one.' },
    summary: { type: 'string', description: 'The first reason as one sentence.' },
    reasons: { type: 'array', items: reason, description: 'Most decisive first.' },
    nextEligibleAt: orNull(instant('The earliest time the job can be admitted, when something time-bound holds it.')),
    queue: orNull(
      objectSchema<NonNullable<JobExplanation['queue']>>({
        description: "Its place among the tenant's eligible, not yet admitted jobs of its type.",
        properties: { ahead: count('Jobs offered before it (higher priority, or as high and older).'), waiting: count('All of them, this one included.') },
      }),
    ),
    workers: orNull(
      objectSchema<NonNullable<JobExplanation['workers']>>({
        description: "The tenant's workers on the job type, as the ledger shows them.",
        properties: { running: count('Jobs of the type leased or running now.'), lastStartedAt: orNull(instant('The last start within the past hour.')) },
      }),
    ),
    asOf: instant('When this was computed.'),
  },
});
