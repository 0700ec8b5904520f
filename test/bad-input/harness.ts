/**
 * One Orch installation (the six services as processes, real NATS and
 * PostgreSQL) for the whole bad-input suite, with the helpers every case uses:
 * send a bad request, assert the refusal, assert that the ledger did not move,
 * and count the case.
 */
import type { Server } from 'node:http';
import { makeEnvelope, WorkerVerb } from '@orch/contracts';
import { E2eCluster, TestAuth } from '@orch/testing';
import { expectErrorReply, expectProblem, Problem, ReplyError, WORKER_REFUSAL_CODES } from './expectations';
import { createFixtures, Fixtures, quiesce, startFailingReceiver } from './fixtures';
import { Answer, closeHttpClient, HttpRequest, send, upgrade } from './http-client';
import { changedTables, ledgerSnapshot, LedgerSnapshot } from './ledger-snapshot';
import { routeKey, RouteSpec, Service } from './routes';
import { makeTokens, Tokens } from './tokens';

/** Counts what the suite tried: every refused request is one case. */
export class Tally {
  cases = 0;
  ledgerChecks = 0;
  ledgerChanges = 0;
  readonly routes = new Map<string, number>();
  readonly subjects = new Map<string, number>();

  route(key: string): void {
    this.cases += 1;
    this.routes.set(key, (this.routes.get(key) ?? 0) + 1);
  }

  subject(key: string): void {
    this.cases += 1;
    this.subjects.set(key, (this.subjects.get(key) ?? 0) + 1);
  }

  /** `bad-input: 2,431 cases over 20 routes and 7 subjects, 0 ledger changes (2,431 ledger checks)`. */
  summary(): string {
    const n = (v: number) => v.toLocaleString('en-US');
    return (
      `bad-input: ${n(this.cases)} cases over ${this.routes.size} routes and ${this.subjects.size} subjects, ` +
      `${n(this.ledgerChanges)} ledger changes (${n(this.ledgerChecks)} ledger checks)`
    );
  }
}

/** A refusal: the problem body and the whole answer (headers included). */
export interface Refusal {
  problem: Problem;
  answer: Answer;
}

/** Worker-facing subjects by tally name: the six verbs and the log subject. */
export type SubjectKey = WorkerVerb | 'log';

/** The suite's installation and helpers. */
export class BadInputHarness {
  readonly cluster = new E2eCluster({
    // Deliveries die on their first failed attempt, quickly, so the fixtures have dead deliveries to redeliver.
    WEBHOOK_MAX_ATTEMPTS: '1',
    WEBHOOK_POLL_MS: '50',
    WEBHOOK_TIMEOUT_MS: '2000',
  });
  readonly tally = new Tally();
  tokens!: Tokens;
  fx!: Fixtures;
  private stranger?: TestAuth;
  private receiver?: Server;
  private baseline?: LedgerSnapshot;

  async start(): Promise<void> {
    await this.cluster.start();
    this.stranger = await TestAuth.create();
    const receiver = await startFailingReceiver();
    this.receiver = receiver.server;
    this.tokens = await makeTokens(this.cluster, this.stranger);
    this.fx = await createFixtures(this.cluster, this.tokens, receiver.url);
    await this.rebaseline();
  }

  async stop(): Promise<void> {
    closeHttpClient();
    this.receiver?.close();
    this.stranger?.cleanup();
    await this.cluster.stop();
  }

  baseUrl(service: Service): string {
    return this.cluster.service(service).baseUrl;
  }

  /** `Authorization: Bearer <token>`. */
  bearer(token: string): Record<string, string> {
    return { authorization: `Bearer ${token}` };
  }

  /** Sends a request to the route's service; counts nothing, asserts nothing. */
  send(route: Pick<RouteSpec, 'service'>, req: HttpRequest): Promise<Answer> {
    return send(this.baseUrl(route.service), req);
  }

  /**
   * One case: sends `req` to `route` (a WebSocket upgrade for the ws route
   * unless `plain`), asserts a problem+json refusal with `status` (and `code`)
   * and an unchanged ledger, and counts it.
   */
  async refused(
    what: string,
    route: RouteSpec,
    req: HttpRequest,
    status: number | readonly number[],
    code?: string | readonly string[],
    opts: { plain?: boolean } = {},
  ): Promise<Refusal> {
    const label = `${routeKey(route)} ${what}`;
    const ans =
      route.stream === 'ws' && !opts.plain
        ? await upgrade(this.baseUrl(route.service), req.path, req.headers)
        : await this.send(route, req);
    this.tally.route(routeKey(route));
    const problem = expectProblem(label, ans, status, code);
    if (route.service === 'api' && ans.headers['x-orch-api-version'] !== '1.0') {
      throw new Error(`${label}: the answer lacks X-Orch-Api-Version: 1.0`);
    }
    await this.expectLedgerUnchanged(label);
    return { problem, answer: ans };
  }

  /** The worker subject of `tenant` and `verb` in the cluster's namespace. */
  workerSubject(tenant: string, verb: WorkerVerb): string {
    return this.cluster.names.worker(tenant, verb);
  }

  /** A worker request envelope (JSON text) with `data`, fields overridden by `over`. */
  envelope(tenant: string, verb: WorkerVerb, data: unknown, over: Record<string, unknown> = {}): string {
    const env = makeEnvelope({ type: `worker.${verb}`, tenant, project: '*', correlationId: 'bad-input', taskRunnerId: 'bad-input', data });
    return JSON.stringify({ ...env, ...over });
  }

  /** Sends raw bytes as a worker request and returns the reply text. */
  async workerRequest(subject: string, body: string | Uint8Array): Promise<string> {
    const msg = await this.cluster.ns.nc.request(subject, body, { timeout: 20_000 });
    return msg.string();
  }

  /**
   * One case: sends `body` on `subject`, asserts an error envelope with one of
   * `codes` and an unchanged ledger, and counts it under `key`.
   */
  async refusedWorker(what: string, key: SubjectKey, subject: string, body: string | Uint8Array, codes: readonly string[] = WORKER_REFUSAL_CODES): Promise<ReplyError> {
    const label = `${subject} ${what}`;
    const reply = await this.workerRequest(subject, body);
    this.tally.subject(key);
    const error = expectErrorReply(label, reply, codes);
    await this.expectLedgerUnchanged(label);
    return error;
  }

  /** Asserts that no ledger or notify table changed since the baseline. */
  async expectLedgerUnchanged(what: string): Promise<void> {
    if (!this.baseline) throw new Error('no ledger baseline: call rebaseline() first');
    this.tally.ledgerChecks += 1;
    const changed = changedTables(this.baseline, await ledgerSnapshot(this.cluster.pg));
    if (changed.length > 0) {
      this.tally.ledgerChanges += 1;
      // Later cases compare with what is there now, so one culprit fails one case.
      this.baseline = await ledgerSnapshot(this.cluster.pg);
      throw new Error(`${what}: the ledger changed (${changed.join(', ')})`);
    }
  }

  /** Waits for the ledger to settle and takes it as the new baseline (after a change a case made on purpose). */
  async rebaseline(): Promise<void> {
    await quiesce(this.cluster, async () => JSON.stringify(await ledgerSnapshot(this.cluster.pg)));
    this.baseline = await ledgerSnapshot(this.cluster.pg);
  }
}
