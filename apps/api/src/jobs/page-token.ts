import { OrchError } from '@orch/contracts';
import type { JobListKey } from '@orch/persistence';
import { isJobId } from './job-id';

/** Longest page_token accepted; a real one is about 110 characters. */
export const PAGE_TOKEN_MAX_LENGTH = 512;

/** `created_at` exactly as the ledger reader renders it: UTC, microseconds. */
const KEY_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function badToken(): OrchError {
  const message = 'page_token is not a token this API issued';
  return new OrchError('validation', message, { errors: [{ path: 'page_token', message }] });
}

/** An opaque cursor for `next_page_token`: base64url of the last job's list key. */
export function encodePageToken(key: JobListKey): string {
  return Buffer.from(JSON.stringify([key.createdAt, key.id]), 'utf8').toString('base64url');
}

/**
 * The list key inside a `page_token`.
 * @throws OrchError `validation_failed` (path `page_token`) for anything {@link encodePageToken} did not produce.
 */
export function decodePageToken(token: string): JobListKey {
  if (token.length === 0 || token.length > PAGE_TOKEN_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) throw badToken();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badToken();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw badToken();
  const [createdAt, id] = parsed as unknown[];
  if (typeof createdAt !== 'string' || !KEY_TIMESTAMP.test(createdAt) || Number.isNaN(Date.parse(createdAt))) throw badToken();
  if (typeof id !== 'string' || !isJobId(id)) throw badToken();
  return { createdAt, id: id.toLowerCase() };
}
