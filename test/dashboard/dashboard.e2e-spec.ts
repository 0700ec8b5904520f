import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { isTerminal, JobStatus, JobView } from '@orch/contracts';
import { freePort, REPO_ROOT, waitFor } from '@orch/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { DashboardCluster, launchChromium } from './dashboard-harness';

const TENANT = 'dash';
/** Jobs of the type below stay queued: no worker serves it. */
const UNSERVED_TYPE = 'dash.unserved';
const SCREENSHOT_DIR = path.join(REPO_ROOT, 'tmp');

describe('operator dashboard in Chromium (all six services and a demo worker)', () => {
  let cluster: DashboardCluster;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  let operatorToken: string;
  let readerToken: string;
  let dashboardUrl: string;
  const pageErrors: string[] = [];
  const echoIds: string[] = [];
  const failIds: string[] = [];
  let queuedId: string;
  let submitted = 0;

  beforeAll(async () => {
    browser = await launchChromium();
    context = browser.context;
    cluster = new DashboardCluster({ api: await freePort(), eventNotifier: await freePort() }, { SCHEDULER_POLL_MS: '250', REAPER_INTERVAL_MS: '250' });
    await cluster.start();
    await cluster.startWorker({ DEMO_TENANTS: TENANT, DEMO_CONCURRENCY: '4' });
    operatorToken = await cluster.token({ tenant: TENANT, scopes: ['orch:read', 'orch:operate'], sub: 'ops-ann' });
    readerToken = await cluster.token({ tenant: TENANT, scopes: ['orch:read'], sub: 'viewer-bob' });
    dashboardUrl = `${cluster.service('api').baseUrl}/dashboard/`;

    for (let i = 0; i < 3; i++) echoIds.push((await submit({ project: 'p1', jobType: 'demo.echo', payload: { i } })).id);
    for (let i = 0; i < 2; i++) failIds.push((await submit({ project: 'p2', jobType: 'demo.fail', payload: { i }, maxAttempts: 1 })).id);
    queuedId = (await submit({ project: 'p1', jobType: UNSERVED_TYPE, payload: {} })).id;
    await waitFor(async () => (await Promise.all([...echoIds, ...failIds].map(getJob))).every((j) => isTerminal(j.status)), {
      timeoutMs: 60_000,
      what: 'the echo and fail jobs to end',
    });

    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  }, 60_000);

  async function submit(body: Record<string, unknown>): Promise<JobView> {
    submitted += 1;
    const res = await cluster.api(
      '/api/v1/jobs',
      { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': `dash-${submitted}` }, body: JSON.stringify(body) },
      operatorToken,
    );
    expect(res.status).toBe(201);
    return (await res.json()) as JobView;
  }

  async function getJob(id: string): Promise<JobView> {
    const res = await cluster.api(`/api/v1/jobs/${id}`, {}, operatorToken);
    expect(res.status).toBe(200);
    return (await res.json()) as JobView;
  }

  const rows = (p: Page, selector: string) => p.locator(`${selector} tbody tr`);

  it('signs in from a token in the URL fragment, takes it out of the address bar and shows tenant, subject and scopes', async () => {
    await page.goto(`${dashboardUrl}#token=${operatorToken}`);
    await page.locator('#who').waitFor();
    await expectText(page, '#who-tenant', TENANT);
    await expectText(page, '#who', /ops-ann/);
    await expectText(page, '#who', /orch:read.*orch:operate/);
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate('sessionStorage.getItem("orch.dashboard.token")')).toBe(operatorToken);
    await expectText(page, 'h1', 'Overview');
  });

  it('shows on the overview the counts of the jobs submitted through the API', async () => {
    await expectText(page, '#total-jobs', '6');
    await expectText(page, 'li[data-status="succeeded"] .count', '3');
    await expectText(page, 'li[data-status="failed"] .count', '2');
    await expectText(page, 'li[data-status="queued"] .count', '1');
    await expectText(page, '#by-job-type tr[data-job-type="demo.echo"] td.num', '3');
    await expectText(page, '#by-job-type tr[data-job-type="demo.fail"] td.num', '2');
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'dashboard-overview.png') });
    // Auto-refresh: a job submitted now shows up without a reload.
    await submit({ project: 'p1', jobType: UNSERVED_TYPE, payload: { second: true } });
    await expectText(page, 'li[data-status="queued"] .count', '2');
    await expectText(page, '#total-jobs', '7');
  });

  it('lists the jobs and filters them by status', async () => {
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await waitForCount(page, '#jobs-table', 7);
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitForCount(page, '#jobs-table', 2);
    const shown = await rows(page, '#jobs-table').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-job-id'), tr.getAttribute('data-status')]));
    expect(shown.map(([id]) => id).sort()).toEqual([...failIds].sort());
    expect(shown.every(([, status]) => status === 'failed')).toBe(true);
    expect(page.url()).toContain('status=failed');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'dashboard-jobs.png') });
  });

  it('shows a job with its ledger events and log lines', async () => {
    await page.goto(`${dashboardUrl}#/jobs`);
    await page.locator(`#jobs-table tr[data-job-id="${echoIds[0]}"] a`).click();
    await expectText(page, '#job-status', 'succeeded');
    for (const type of ['job.created', 'job.queued', 'job.leased', 'job.running', 'job.succeeded']) {
      await page.locator(`#job-events li[data-event-type="${type}"]`).first().waitFor();
    }
    await expectText(page, '#job-result', /"i": 0/);
    await expectText(page, '#job-logs', /echo attempt 1/);
  });

  it('cancels a running job through the Cancel button with a reason: it ends canceled and the audit log shows the reason', async () => {
    const long = await submit({ project: 'p1', jobType: 'demo.echo', payload: { sleepMs: 20_000 } });
    await waitFor(async () => (await getJob(long.id)).status === JobStatus.running, { timeoutMs: 30_000, what: 'the long job to run' });
    await page.goto(`${dashboardUrl}#/jobs/${long.id}`);
    await expectText(page, '#job-status', 'running');
    await page.getByRole('button', { name: 'Cancel job…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this job?' });
    await dialog.getByLabel('Reason').fill('dashboard e2e: upstream is down');
    await dialog.getByRole('button', { name: 'Cancel job' }).click();
    // The worker may stop before the page polls again, so the notice can already say it ended.
    await expectText(page, '#job-notice', /Cancel requested|Canceled|The job ended canceled/);

    const ended = await waitFor(async () => {
      const j = await getJob(long.id);
      return isTerminal(j.status) ? j : null;
    }, { timeoutMs: 30_000, what: 'the canceled job to end' });
    expect(ended.status).toBe(JobStatus.canceled);
    await expectText(page, '#job-status', 'canceled');
    await expectText(page, '#job-notice', /^(The job ended canceled\.|Canceled\.)$/);
    await expect(page.locator('#cancel-job').isHidden()).resolves.toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'dashboard.png'), fullPage: true });

    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    const entry = page.locator(`#audit-table tr[data-action="job.cancel"][data-target-id="${long.id}"]`);
    await entry.waitFor();
    await expect(entry.locator('td.reason').textContent()).resolves.toBe('dashboard e2e: upstream is down');
    await expect(entry.textContent()).resolves.toContain('ops-ann');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'dashboard-audit.png') });
  });

  it('receives an event in the live view after a submit', async () => {
    await page.getByRole('link', { name: 'Live events', exact: true }).click();
    await expectText(page, '#live-state', /Connected/);
    const job = await submit({ project: 'p3', jobType: 'demo.echo', payload: { live: true } });
    await page.locator(`#live-events tr[data-job-id="${job.id}"]`).first().waitFor({ timeout: 30_000 });
    await page.locator(`#live-events tr[data-job-id="${job.id}"][data-event-type="job.succeeded"]`).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'dashboard-live.png') });
  });

  it('shows the Cancel button to an operator but not to a reader (orch:read only)', async () => {
    await page.goto(`${dashboardUrl}#/jobs/${queuedId}`);
    await expectText(page, '#job-status', 'queued');
    await page.locator('#cancel-job').waitFor({ state: 'visible' });

    const readerPage = await context.newPage();
    readerPage.on('pageerror', (err) => pageErrors.push(err.message));
    await readerPage.goto(`${dashboardUrl}#token=${readerToken}`);
    await expectText(readerPage, '#who', /viewer-bob/);
    await readerPage.goto(`${dashboardUrl}#/jobs/${queuedId}`);
    await expectText(readerPage, '#job-status', 'queued');
    await readerPage.locator('#job-events li').first().waitFor();
    await expect(readerPage.locator('#cancel-job').count()).resolves.toBe(0);
    await expect(readerPage.getByRole('button', { name: /cancel/i }).count()).resolves.toBe(0);
    await readerPage.close();
  });

  it('sends a rejected token back to sign-in with the API problem', async () => {
    const p = await context.newPage();
    await p.goto(`${dashboardUrl}#token=${operatorToken.slice(0, -4)}AAAA`);
    await expectText(p, '#signin-message', /\(401 unauthorized\): invalid token/);
    await p.screenshot({ path: path.join(SCREENSHOT_DIR, 'dashboard-signin.png') });
    await p.close();
    expect(pageErrors).toEqual([]);
  });
});

/** Waits until the first element's trimmed text equals (string) or matches (RegExp) the expectation. */
async function expectText(page: Page, selector: string, expected: string | RegExp): Promise<void> {
  let actual: string | null = null;
  const matches = (text: string) => (typeof expected === 'string' ? text === expected : expected.test(text));
  await waitFor(
    async () => {
      actual = (await page.locator(selector).first().textContent({ timeout: 500 }).catch(() => null))?.trim() ?? null;
      return actual !== null && matches(actual);
    },
    { timeoutMs: 20_000, intervalMs: 100, what: `${selector} to show ${String(expected)}` },
  ).catch(() => {
    throw new Error(`${selector}: expected ${String(expected)}, found ${actual === null ? '(no such element)' : JSON.stringify(actual)}`);
  });
}

/** Waits until a table has exactly `n` body rows. */
async function waitForCount(page: Page, table: string, n: number): Promise<void> {
  let count = -1;
  await waitFor(
    async () => {
      count = await page.locator(`${table} tbody tr`).count();
      return count === n;
    },
    { timeoutMs: 20_000, intervalMs: 100, what: `${table} to have ${n} rows` },
  ).catch(() => {
    throw new Error(`${table}: expected ${n} rows, found ${count}`);
  });
}
