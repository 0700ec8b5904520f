import type { DestinationStream } from 'pino';
import { runWithContext } from './context';
import { createLogger } from './logger';
import { prettyLine } from './pretty';

function capture(): { destination: DestinationStream; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  return {
    destination: { write: (line: string) => void raw.push(line) },
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes service, correlationId and tenant of the current context into each line', () => {
    const out = capture();
    const log = createLogger('api', { destination: out.destination });

    runWithContext({ correlationId: 'corr-1', tenant: 'acme' }, () => log.info({ step: 1 }, 'inside'));
    log.info('outside');

    const [inside, outside] = out.lines();
    expect(inside).toMatchObject({ service: 'api', correlationId: 'corr-1', tenant: 'acme', step: 1, msg: 'inside', level: 'info' });
    expect(outside).toMatchObject({ service: 'api', msg: 'outside' });
    expect(outside).not.toHaveProperty('correlationId');
    expect(outside).not.toHaveProperty('tenant');
  });

  it('lets fields given at the call site win over the context', () => {
    const out = capture();
    const log = createLogger('api', { destination: out.destination });
    runWithContext({ jobId: 'from-context' }, () => log.info({ jobId: 'explicit' }, 'x'));
    expect(out.lines()[0]['jobId']).toBe('explicit');
  });

  it('drops lines below the configured level', () => {
    const out = capture();
    const log = createLogger('api', { destination: out.destination, level: 'warn' });
    log.info('hidden');
    log.warn('shown');
    expect(out.lines().map((l) => l['msg'])).toEqual(['shown']);
  });
});

describe('prettyLine', () => {
  it('renders level, service, message and extra fields on one line', () => {
    const line = prettyLine(
      JSON.stringify({ level: 'info', time: '2025-01-01T10:00:00.123Z', service: 'api', pid: 1, msg: 'hello', tenant: 'acme' }),
    );
    expect(line).toBe('10:00:00.123 INFO  [api] hello tenant=acme\n');
  });
});
