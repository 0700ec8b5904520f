import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createTestDatabase, createTestNamespace, E2eCluster, SERVICE_ORDER, startService, TestAuth } from '@orch/testing';
import { Client } from 'pg';
import { BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium; the test never downloads a browser (`npx playwright install` is not used). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * An {@link E2eCluster} whose api and event-notifier listen on ports chosen up front: the api must
 * tell the browser the event-notifier's URL (`DASHBOARD_EVENTS_URL`) and the event-notifier must
 * allow the api's origin (`CORS_ORIGINS`) before either starts. (E2eCluster gives every service one
 * environment, and so one `HTTP_PORT`.)
 */
export class DashboardCluster extends E2eCluster {
  constructor(
    private readonly ports: { api: number; eventNotifier: number },
    extraEnv: Record<string, string> = {},
  ) {
    super({
      ...extraEnv,
      DASHBOARD_EVENTS_URL: `http://127.0.0.1:${ports.eventNotifier}`,
      CORS_ORIGINS: `http://127.0.0.1:${ports.api}`,
    });
  }

  override async start(): Promise<void> {
    this.db = await createTestDatabase('orch_e2e');
    this.ns = await createTestNamespace();
    this.auth = await TestAuth.create();
    const envOf = (name: string) => {
      const port = name === 'api' ? this.ports.api : name === 'event-notifier' ? this.ports.eventNotifier : undefined;
      return port === undefined ? this.env : { ...this.env, HTTP_PORT: String(port) };
    };
    const [first, ...rest] = SERVICE_ORDER;
    this.services.set(first, await startService(first, envOf(first)));
    for (const s of await Promise.all(rest.map((name) => startService(name, envOf(name))))) this.services.set(s.name, s);
    this.pg = new Client({ connectionString: this.db.url });
    await this.pg.connect();
  }
}

/** A headless Chromium with a fresh profile, 1280×800; `close()` also removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}. Install Debian's package: ORCH_NEED_CHROMIUM=1 bash scripts/ensure-infra.sh ` +
        '(scripts/test.sh does this), or apt-get install -y chromium. Do not use `npx playwright install`.',
    );
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'orch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
