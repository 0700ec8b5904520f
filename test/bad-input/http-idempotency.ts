/**
 * Replays: every POST that takes an Idempotency-Key is sent once for real,
 * then again with the same key and another body (409, nothing written) and
 * with the same body (the first answer again, `Idempotent-Replayed: true`,
 * nothing written). Replaying an action whose target moved on is refused.
 */
import type { BadInputHarness } from './harness';
import type { Answer } from './http-client';
import { REASON, validRequest, VALID_JOB, VALID_WEBHOOK } from './requests';
import { routeKey, ROUTES, RouteSpec } from './routes';
import { TENANT_A } from './tokens';

const route = (key: string): RouteSpec => ROUTES.find((x) => routeKey(x) === key)!;

/** Headers of a request with `key` (and extra operator headers). */
const keyed = (key: string, extra: Record<string, string> = {}) => ({ 'idempotency-key': key, ...extra });

export function describeIdempotency(h: BadInputHarness): void {
  /** Sends the first, real request; expects `status` and takes the changed ledger as the new baseline. */
  async function first(r: RouteSpec, headers: Record<string, string>, body: unknown, id?: string, status = 201): Promise<Answer> {
    const ans = await h.send(r, validRequest(h, r, { headers, id, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
    expect({ route: routeKey(r), status: ans.status }).toEqual({ route: routeKey(r), status });
    await h.rebaseline();
    return ans;
  }

  /**
   * One case: a replay answered from the idempotency record, with the first
   * answer's `id` and no write. Cancel answers a replay like the first call,
   * without `Idempotent-Replayed` (`marked` false).
   */
  async function replayed(what: string, r: RouteSpec, headers: Record<string, string>, body: unknown, pick: (json: never) => unknown, expected: unknown, id?: string, marked = true): Promise<void> {
    const label = `${routeKey(r)} ${what}`;
    const ans = await h.send(r, validRequest(h, r, { headers, id, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) }));
    h.tally.route(routeKey(r));
    expect({ label, status: ans.status, replayed: ans.headers['idempotent-replayed'], value: ans.status === 200 ? pick(JSON.parse(ans.text) as never) : ans.text }).toEqual({
      label,
      status: 200,
      replayed: marked ? 'true' : undefined,
      value: expected,
    });
    await h.expectLedgerUnchanged(label);
  }

  describe('replays: the same Idempotency-Key with another body is 409 and the same body returns the first answer, writing nothing', () => {
    it('POST /api/v1/jobs', async () => {
      const r = route('POST /api/v1/jobs');
      const body = { ...VALID_JOB, payload: { n: 1, nested: { a: [1, 2] } }, priority: 3 };
      const created = JSON.parse((await first(r, keyed('bi-key-job'), body)).text) as { id: string };
      const others: [string, unknown][] = [
        ['another payload', { ...body, payload: { n: 2, nested: { a: [1, 2] } } }],
        ['array items reordered', { ...body, payload: { n: 1, nested: { a: [2, 1] } } }],
        ['another priority', { ...body, priority: 4 }],
        ['the default priority spelled out', { ...body, priority: 5 }],
        ['another project', { ...body, project: 'p2' }],
        ['another job type', { ...body, jobType: 'bi.other' }],
        ['maxAttempts added', { ...body, maxAttempts: 3 }],
        ['runAt added', { ...body, runAt: '2020-01-01T00:00:00Z' }],
      ];
      for (const [what, other] of others) {
        await h.refused(`replayed with ${what}`, r, validRequest(h, r, { headers: keyed('bi-key-job'), body: JSON.stringify(other) }), 409, 'idempotency_conflict');
      }
      const pick = (j: { id: string }) => j.id;
      await replayed('replayed with the same body', r, keyed('bi-key-job'), body, pick, created.id);
      const reordered = JSON.stringify({ priority: 3, payload: { nested: { a: [1, 2] }, n: 1 }, jobType: body.jobType, project: body.project, tenant: TENANT_A });
      await replayed('replayed with members reordered and its own tenant named', r, keyed('bi-key-job'), reordered, pick, created.id);
    });

    it('POST /api/v1/jobs/batch', async () => {
      const r = route('POST /api/v1/jobs/batch');
      const one = { ...VALID_JOB, payload: { i: 1 } };
      const two = { ...VALID_JOB, payload: { i: 2 } };
      const created = JSON.parse((await first(r, keyed('bi-key-batch'), { jobs: [one, two] })).text) as { jobs: { id: string }[] };
      for (const [what, other] of [['items swapped', [two, one]], ['an item less', [one]], ['an item more', [one, two, two]]] as const) {
        await h.refused(`replayed with ${what}`, r, validRequest(h, r, { headers: keyed('bi-key-batch'), body: JSON.stringify({ jobs: other }) }), 409, 'idempotency_conflict');
      }
      await replayed('replayed with the same body', r, keyed('bi-key-batch'), { jobs: [one, two] }, (j: { jobs: { id: string }[] }) => j.jobs.map((x) => x.id), created.jobs.map((x) => x.id));
    });

    it('POST /api/v1/webhooks (the digest covers the reason and the ticket too)', async () => {
      const r = route('POST /api/v1/webhooks');
      const body = { ...VALID_WEBHOOK, description: 'replayed webhook' };
      const created = JSON.parse((await first(r, keyed('bi-key-hook'), body)).text) as { id: string; secret: string };
      const conflicts: [string, Record<string, string>, unknown][] = [
        ['another url', keyed('bi-key-hook'), { ...body, url: 'http://127.0.0.1:9/other' }],
        ['enabled', keyed('bi-key-hook'), { ...body, enabled: true }],
        ['another reason', keyed('bi-key-hook', { 'x-orch-reason': 'another reason' }), body],
        ['a ticket added', keyed('bi-key-hook', { 'x-orch-ticket': 'T-1' }), body],
      ];
      for (const [what, headers, other] of conflicts) {
        await h.refused(`replayed with ${what}`, r, validRequest(h, r, { headers, body: JSON.stringify(other) }), 409, 'idempotency_conflict');
      }
      await replayed('replayed with the same body and reason', r, keyed('bi-key-hook'), body, (j: { id: string; secret: string }) => [j.id, j.secret], [created.id, created.secret]);
    });

    it('POST /api/v1/jobs/{id}/cancel', async () => {
      const r = route('POST /api/v1/jobs/{id}/cancel');
      const target = h.fx.a.cancelable.id;
      await first(r, keyed('bi-key-cancel'), undefined, target, 200);
      await h.refused('replayed on another job', r, validRequest(h, r, { headers: keyed('bi-key-cancel'), id: h.fx.a.job.id }), 409, 'idempotency_conflict');
      await h.refused('replayed with another reason', r, validRequest(h, r, { headers: keyed('bi-key-cancel', { 'x-orch-reason': 'changed my mind' }), id: target }), 409, 'idempotency_conflict');
      await h.refused('replayed with a ticket added', r, validRequest(h, r, { headers: keyed('bi-key-cancel', { ...REASON, 'x-orch-ticket': 'T-9' }), id: target }), 409, 'idempotency_conflict');
      const pick = (j: { job: { id: string; status: string } }) => [j.job.id, j.job.status];
      await replayed('replayed as it was', r, keyed('bi-key-cancel'), undefined, pick, [target, 'canceled'], target, false);
    });

    it('POST /api/v1/webhooks/deliveries/{deliveryId}/redeliver (and a redelivery of a delivery no longer dead is 409)', async () => {
      const r = route('POST /api/v1/webhooks/deliveries/{deliveryId}/redeliver');
      const [, target, other] = h.fx.a.deliveryIds;
      await first(r, keyed('bi-key-redeliver'), undefined, target, 200);
      await h.refused('replayed on another delivery', r, validRequest(h, r, { headers: keyed('bi-key-redeliver'), id: other }), 409, 'idempotency_conflict');
      await h.refused('replayed with another reason', r, validRequest(h, r, { headers: keyed('bi-key-redeliver', { 'x-orch-reason': 'again' }), id: target }), 409, 'idempotency_conflict');
      await replayed('replayed as it was', r, keyed('bi-key-redeliver'), undefined, (j: { id: string; status: string }) => [j.id, j.status], [target, 'pending'], target);
      await h.refused('with a new key for the delivery now pending', r, validRequest(h, r, { headers: keyed('bi-key-redeliver-2'), id: target }), 409, 'invalid_transition');
    });
  });
}
