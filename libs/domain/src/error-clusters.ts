/**
 * Top-error clustering of the dead-letter set: messages that differ only in ids, numbers or
 * quoted values ("job 0193… timed out after 30000 ms" and "job 0194… timed out after 31000 ms")
 * are one cluster. Pure; the reader groups by exact (code, message) in SQL and merges here.
 */

/** Longest message shape kept (a cluster key never grows with its input). */
export const ERROR_SHAPE_MAX_LENGTH = 240;

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const HEX = /\b(?:0x)?[0-9a-f]{12,}\b/gi;
const QUOTED = /(["'`])(?:(?!\1)[^\\]|\\.){0,200}\1/g;
const URL_PATH = /\b(https?:\/\/[^\s/]+)[^\s]*/gi;
const NUMBER = /(?<![A-Za-z0-9_])[-+]?\d+(?:[.,:]\d+)*(?:[eE][-+]?\d+)?/g;

/** The shape of an error message: ids → `<id>`, quoted values → `<…>`, URL paths dropped, numbers → `<n>`, spaces collapsed. */
export function errorShape(message: string | null): string | null {
  if (message === null) return null;
  const shape = message
    .replace(UUID, '<id>')
    .replace(HEX, '<id>')
    .replace(QUOTED, '<…>')
    .replace(URL_PATH, '$1/…')
    .replace(NUMBER, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
  return shape.length > ERROR_SHAPE_MAX_LENGTH ? `${shape.slice(0, ERROR_SHAPE_MAX_LENGTH - 1)}…` : shape;
}

/** Dead letters with one exact (code, message, jobType), as the reader groups them. */
export interface ErrorGroup {
  errorCode: string | null;
  errorMessage: string | null;
  jobType: string;
  count: number;
  /** Epoch ms. */
  firstAt: number;
  lastAt: number;
  /** Newest first. */
  sampleJobIds: string[];
}

/** A merged cluster. */
export interface ErrorClusterSummary {
  errorCode: string | null;
  message: string | null;
  count: number;
  jobTypes: string[];
  firstAt: number;
  lastAt: number;
  sampleJobIds: string[];
}

/** Samples kept per cluster. */
export const CLUSTER_SAMPLES = 3;

/**
 * Merges groups whose code and message shape agree, largest cluster first (ties: newest, then
 * code and message, so the order is stable), at most `top`. Job types are listed most frequent
 * first; samples are the newest of the merged groups.
 */
export function clusterErrors(groups: readonly ErrorGroup[], top: number): ErrorClusterSummary[] {
  const byKey = new Map<string, { c: ErrorClusterSummary; types: Map<string, number>; samples: { id: string; at: number }[] }>();
  for (const g of groups) {
    const message = errorShape(g.errorMessage);
    const key = JSON.stringify([g.errorCode, message]);
    let entry = byKey.get(key);
    if (!entry) {
      entry = { c: { errorCode: g.errorCode, message, count: 0, jobTypes: [], firstAt: g.firstAt, lastAt: g.lastAt, sampleJobIds: [] }, types: new Map(), samples: [] };
      byKey.set(key, entry);
    }
    entry.c.count += g.count;
    entry.c.firstAt = Math.min(entry.c.firstAt, g.firstAt);
    entry.c.lastAt = Math.max(entry.c.lastAt, g.lastAt);
    entry.types.set(g.jobType, (entry.types.get(g.jobType) ?? 0) + g.count);
    for (const id of g.sampleJobIds) entry.samples.push({ id, at: g.lastAt });
  }
  const clusters = [...byKey.values()].map(({ c, types, samples }) => ({
    ...c,
    jobTypes: [...types.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t),
    sampleJobIds: samples
      .sort((a, b) => b.at - a.at || b.id.localeCompare(a.id))
      .slice(0, CLUSTER_SAMPLES)
      .map((s) => s.id),
  }));
  clusters.sort(
    (a, b) =>
      b.count - a.count ||
      b.lastAt - a.lastAt ||
      (a.errorCode ?? '').localeCompare(b.errorCode ?? '') ||
      (a.message ?? '').localeCompare(b.message ?? ''),
  );
  return clusters.slice(0, top);
}
