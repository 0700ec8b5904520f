/**
 * Invariant 6: bad input gets a clear error and changes nothing. Malformed,
 * oversized, wrong-typed, wrong-tenant and replayed requests go to every route
 * of the api and the event-notifier and to every worker-facing NATS subject of
 * one real installation; each must be refused (problem+json over HTTP, an error
 * envelope over NATS, a 4xx with a stable code, no internals) and leave every
 * ledger and notify table exactly as it was. The case count is printed at the end.
 */
import { describeCoverage } from './coverage';
import { BadInputHarness } from './harness';
import { describeAccess } from './http-access';
import { describeBodies } from './http-bodies';
import { describeIdempotency } from './http-idempotency';
import { describeHttpProperties } from './http-properties';
import { describeQueries } from './http-queries';
import { describeLogSubject } from './log-subject';
import { describeWorkerProperties } from './nats-properties';
import { describeWorkerSubjects } from './nats-worker';

describe('bad input gets a clear error and changes nothing (six services, real NATS and PostgreSQL)', () => {
  const h = new BadInputHarness();

  beforeAll(async () => {
    await h.start();
  }, 180_000);

  afterAll(async () => {
    console.log(h.tally.summary());
    await h.stop();
  }, 60_000);

  describeAccess(h);
  describeBodies(h);
  describeQueries(h);
  describeIdempotency(h);
  describeHttpProperties(h);
  describeWorkerSubjects(h);
  describeWorkerProperties(h);
  describeLogSubject(h);
  describeCoverage(h);
});
