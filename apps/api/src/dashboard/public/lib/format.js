// @ts-check
// Small, pure formatting helpers for tables and detail views.

const DASH = '—';

/** @param {number} n */
const pad = (n) => String(n).padStart(2, '0');

/**
 * Local date and time, `YYYY-MM-DD HH:MM:SS`; a dash for null.
 * @param {string | null | undefined} iso
 */
export function formatTime(iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * A duration for people: `850 ms`, `12.5 s`, `3 min 4 s`, `2 h 5 min`.
 * @param {number} ms
 */
export function formatDuration(ms) {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${(abs / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  const s = Math.round(abs / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * `in 12.0 s` / `3 min 4 s ago` relative to `now`.
 * @param {string | null | undefined} iso
 * @param {number} now  epoch ms
 */
export function formatRelative(iso, now) {
  if (!iso) return DASH;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  return at >= now ? `in ${formatDuration(at - now)}` : `${formatDuration(now - at)} ago`;
}

/**
 * A short form of an id for tables: UUIDv7s begin with their creation time, so jobs of the same
 * minute share their first characters; the random end is kept too (the full id goes in a title).
 * @param {string} id
 */
export function shortId(id) {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id;
}

/**
 * JSON on one line, cut at `max` characters.
 * @param {unknown} value
 * @param {number} [max]
 */
export function compactJson(value, max = 160) {
  if (value === undefined) return '';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Indented JSON for detail views; a dash for null/undefined.
 * @param {unknown} value
 */
export function prettyJson(value) {
  return value === null || value === undefined ? DASH : JSON.stringify(value, null, 2);
}
