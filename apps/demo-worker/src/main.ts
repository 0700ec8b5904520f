import { parseEnv } from '@orch/service-kit';
import { OrchWorker, WorkerLogger } from '@orch/sdk-node';
import { createLogger } from '@orch/telemetry';
import { DemoWorkerConfig } from './config';
import { demoHandlers } from './handlers';

async function main(): Promise<void> {
  const config = parseEnv(DemoWorkerConfig);
  const log = createLogger('demo-worker', { level: config.LOG_LEVEL });
  // Start and stop lines are always written: supervisors and tests wait for them.
  const lifecycle = createLogger('demo-worker', { level: 'info' });
  const logger: WorkerLogger = {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
  };
  const workers = config.tenants().map(
    (tenant) =>
      // Its own connection per tenant: the tenant's credentials and inbox prefix (_INBOX_<tenant>).
      new OrchWorker({
        ...config.connection(),
        namespace: config.ORCH_NAMESPACE,
        tenant,
        handlers: demoHandlers(),
        concurrency: config.DEMO_CONCURRENCY,
        leaseMs: config.DEMO_LEASE_MS,
        claimWaitMs: config.DEMO_CLAIM_WAIT_MS,
        logger,
        onError: (err, info) =>
          // Handler throws are the demo's point (demo.fail); everything else is worth a warning.
          info.phase === 'handler'
            ? log.debug({ ...info, error: (err as Error)?.message }, 'handler failed')
            : log.warn({ ...info, error: (err as Error)?.message, code: (err as { code?: string })?.code }, `${info.phase} failed`),
      }),
  );
  await Promise.all(workers.map((w) => w.start()));
  lifecycle.info(
    { tenants: config.tenants(), concurrency: config.DEMO_CONCURRENCY, workerIds: workers.map((w) => w.workerId), namespace: config.ORCH_NAMESPACE },
    'demo-worker started',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    lifecycle.info({ signal }, 'demo-worker stopping');
    await Promise.all(workers.map((w) => w.stop({ graceMs: config.DEMO_STOP_GRACE_MS })));
    lifecycle.info({}, 'demo-worker stopped');
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(signal));
}

main().catch((err) => {
  console.error(`demo-worker failed: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
