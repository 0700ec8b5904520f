/**
 * Completeness by construction: the route table must list exactly the routes
 * the services register (read from their own router), every route and every
 * worker subject must have been attacked, and every verb of the protocol must
 * have a responder.
 */
import { WorkerVerbs } from '@orch/contracts';
import type { BadInputHarness } from './harness';
import { routeKey, ROUTES, servedRoutes, UNTABLED_ROUTES } from './routes';
import { TENANT_A } from './tokens';

/** Fewest cases a route or a subject may have had: more than the table rows any one of them gets alone. */
const MIN_CASES_PER_ROUTE = 40;
const MIN_CASES_PER_SUBJECT = 60;

export function describeCoverage(h: BadInputHarness): void {
  describe('coverage: nothing the services serve escapes the suite', () => {
    it('the route table lists exactly the routes api and event-notifier register (probes, OpenAPI and dashboard aside)', async () => {
      const served = (await Promise.all([servedRoutes('api', h.cluster.env), servedRoutes('event-notifier', h.cluster.env)])).flat();
      expect(served.length).toBeGreaterThan(0);
      const key = (r: { service: string; method: string; path: string }) => `${r.service} ${r.method} ${r.path}`;
      const attacked = served.filter((r) => !UNTABLED_ROUTES.test(r.path)).map(key).sort();
      expect(attacked).toEqual(ROUTES.map(key).sort());
    }, 120_000);

    it('every route had its cases, every verb has a responder and had its cases, and so had the log subject', async () => {
      const thin = ROUTES.map((r) => [routeKey(r), h.tally.routes.get(routeKey(r)) ?? 0] as const).filter(([, n]) => n < MIN_CASES_PER_ROUTE);
      expect(thin).toEqual([]);
      for (const verb of WorkerVerbs) {
        const reply = JSON.parse(await h.workerRequest(h.workerSubject(TENANT_A, verb), 'ping')) as { v: number; ok: boolean };
        expect({ verb, v: reply.v, ok: reply.ok }).toEqual({ verb, v: 1, ok: false });
      }
      const subjects = [...WorkerVerbs, 'log'].map((s) => [s, h.tally.subjects.get(s) ?? 0] as const).filter(([, n]) => n < MIN_CASES_PER_SUBJECT);
      expect(subjects).toEqual([]);
      expect(h.tally.ledgerChanges).toBe(0);
    });
  });
}
