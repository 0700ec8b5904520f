import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Where the dashboard's static files live (vanilla ES modules and one CSS file; no build step). */
export const DASHBOARD_PUBLIC_DIR = path.join(__dirname, 'public');

/** Media types of the files the dashboard may serve; any other extension is left out. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/** Names that may be served: lower-case words, no dot files, no spec files. */
const SERVABLE_NAME = /^[a-z0-9][a-z0-9-]*\.[a-z]+$/;

/** One file, read at boot. */
export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  /** Strong validator for `If-None-Match`. */
  etag: string;
}

/**
 * Reads every servable file under `dir` into memory, keyed by its path relative
 * to `dir` with `/` separators (`index.html`, `lib/api.js`). Serving only from
 * this map (never from a path built out of the URL) makes traversal impossible;
 * the files are a few dozen kilobytes, so keeping them in memory costs nothing.
 */
export function loadDashboardAssets(dir: string = DASHBOARD_PUBLIC_DIR): Map<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  const walk = (sub: string): void => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory() && /^[a-z0-9-]+$/.test(entry.name)) walk(rel);
      const contentType = CONTENT_TYPES[path.extname(entry.name)];
      if (!entry.isFile() || !contentType || !SERVABLE_NAME.test(entry.name)) continue;
      const body = readFileSync(path.join(dir, rel));
      assets.set(rel, { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    }
  };
  walk('');
  return assets;
}
