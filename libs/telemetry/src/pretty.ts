import type { DestinationStream } from 'pino';

const HIDDEN = new Set(['level', 'time', 'service', 'pid', 'hostname', 'msg', 'context', 'err']);

/** One JSON log line as a short human-readable line (development only). */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry['time'] === 'string' ? entry['time'].slice(11, 23) : '';
  const level = String(entry['level'] ?? '').toUpperCase().padEnd(5);
  const context = entry['context'] ? ` (${String(entry['context'])})` : '';
  const extras = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const err = entry['err'] as { stack?: string } | undefined;
  const stack = err?.stack ? `\n${err.stack}` : '';
  return `${time} ${level} [${String(entry['service'] ?? '')}]${context} ${String(entry['msg'] ?? '')}${extras ? ` ${extras}` : ''}${stack}\n`;
}

/** A pino destination that writes {@link prettyLine}s to `out`; avoids a pino-pretty dependency. */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout): DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line)) };
}
