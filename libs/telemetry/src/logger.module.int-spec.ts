import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { currentContext } from './context';
import { OrchLoggerModule } from './logger.module';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

const lines: Record<string, unknown>[] = [];

@Controller()
class ProbeController {
  constructor(private readonly logger: Logger) {}

  @Get('work')
  work(): { correlationId?: string } {
    this.logger.log('doing work', 'ProbeController');
    return { correlationId: currentContext().correlationId };
  }

  @Get('healthz')
  healthz(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({
  imports: [
    OrchLoggerModule.forRoot({
      serviceName: 'probe',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    }),
  ],
  controllers: [ProbeController],
})
class ProbeModule {}

describe('OrchLoggerModule', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(ProbeModule, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => lines.splice(0));

  /** The completion line is written when the response finishes, possibly after fetch resolves. */
  async function waitForLine(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 2_000;
    for (;;) {
      const found = lines.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching log line in ${JSON.stringify(lines)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('carries the caller correlation id into handler context, app logs, the completion line and the response', async () => {
    const response = await fetch(`${base}/work`, { headers: { 'x-correlation-id': 'corr-42' } });

    expect(response.headers.get('x-correlation-id')).toBe('corr-42');
    expect(await response.json()).toEqual({ correlationId: 'corr-42' });
    const appLine = await waitForLine((l) => l['msg'] === 'doing work');
    expect(appLine).toMatchObject({ service: 'probe', correlationId: 'corr-42', context: 'ProbeController', level: 'info' });
    const completion = await waitForLine((l) => l['msg'] === 'request completed');
    expect(completion).toMatchObject({ correlationId: 'corr-42', req: { method: 'GET', url: '/work' }, res: { statusCode: 200 } });
  });

  it('generates a correlation id when the caller sends none', async () => {
    const response = await fetch(`${base}/work`);
    const id = response.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({ correlationId: id });
  });

  it('does not log probe requests', async () => {
    await fetch(`${base}/healthz`);
    await fetch(`${base}/work`);
    await waitForLine((l) => l['msg'] === 'request completed');
    expect(lines.filter((l) => (l['req'] as { url?: string } | undefined)?.url === '/healthz')).toEqual([]);
  });
});

describe('OrchLoggerModule in a process started with startTelemetry', () => {
  it('puts the trace id of the incoming traceparent on the request log lines', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const { stdout } = await execFileAsync(
      process.execPath,
      ['-r', './scripts/register.cjs', 'libs/telemetry/test-fixtures/traced-app.ts'],
      { cwd: ROOT, env: { ...process.env, TRACEPARENT: `00-${traceId}-b7ad6b7169203331-01` }, timeout: 30_000 },
    );
    const lines = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const work = lines.find((l) => l['msg'] === 'doing work');
    expect(work).toMatchObject({ service: 'traced-app', traceId });
    expect(lines.find((l) => l['msg'] === 'request completed')).toMatchObject({ traceId, correlationId: work?.['correlationId'] });
  });
});
