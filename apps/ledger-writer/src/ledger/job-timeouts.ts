import { JOB_TYPE_PATTERN } from '@orch/contracts';

/** Bounds of an execution timeout (ms). */
export const JOB_TIMEOUT_MIN_MS = 1_000;
export const JOB_TIMEOUT_MAX_MS = 86_400_000;

/**
 * Parses `JOB_TIMEOUTS` — `jobType=ms` pairs separated by commas (`nvd.sync=600000,demo.echo=30000`;
 * empty: no timeouts) — into a map, or the problems found (each naming its entry).
 */
export function parseJobTimeouts(text: string): { timeouts: Map<string, number>; problems: string[] } {
  const timeouts = new Map<string, number>();
  const problems: string[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.lastIndexOf('=');
    const jobType = eq > 0 ? entry.slice(0, eq).trim() : '';
    const ms = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!JOB_TYPE_PATTERN.test(jobType) || !/^\d{1,9}$/.test(ms)) {
      problems.push(`"${entry}" is not jobType=milliseconds`);
      continue;
    }
    const n = Number(ms);
    if (n < JOB_TIMEOUT_MIN_MS || n > JOB_TIMEOUT_MAX_MS) problems.push(`${jobType}: ${n} ms is outside ${JOB_TIMEOUT_MIN_MS}–${JOB_TIMEOUT_MAX_MS}`);
    else if (timeouts.has(jobType)) problems.push(`${jobType} is given twice`);
    else timeouts.set(jobType, n);
  }
  return { timeouts, problems };
}
