import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** RFC 8785 canonical JSON. */
export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError('value cannot be canonicalised to JSON');
  return out;
}

/** Lower-case hex SHA-256 of a string or bytes. */
export function sha256Hex(input: string | Uint8Array): string {
  return createHash('sha256').update(input).digest('hex');
}

/** SHA-256 of the canonical JSON of a value. */
export function digestOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** The hash a chain starts from for every tenant. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed content of a ledger event (everything but the hashes). */
export interface ChainedEventBody {
  tenant: string;
  seq: number;
  project: string;
  id: string;
  jobId: string;
  eventType: string;
  attempt: number;
  occurredAt: string;
  actor: unknown;
  data: unknown;
}

/** `hash = sha256(prevHash + "\n" + canonicalJson(body))`. */
export function chainHash(prevHash: string, body: ChainedEventBody): string {
  return sha256Hex(`${prevHash}\n${canonicalJson(body)}`);
}

export interface ChainedEvent extends ChainedEventBody {
  prevHash: string;
  hash: string;
}

export type ChainVerdict = { ok: true; count: number; head: string } | { ok: false; seq: number; reason: string };

/**
 * Verifies one tenant's events in seq order, starting from `startHash` at
 * `startSeq` (genesis by default): contiguous seq, linked prevHash, recomputed hash.
 */
export function verifyChain(
  events: readonly ChainedEvent[],
  startHash: string = GENESIS_HASH,
  startSeq = 0,
): ChainVerdict {
  let prev = startHash;
  let expectSeq = startSeq + 1;
  for (const e of events) {
    if (e.seq !== expectSeq) return { ok: false, seq: e.seq, reason: `expected seq ${expectSeq}, found ${e.seq}` };
    if (e.prevHash !== prev) return { ok: false, seq: e.seq, reason: 'prevHash does not match the previous hash' };
    const { prevHash: _p, hash, ...body } = e;
    const recomputed = chainHash(prev, body);
    if (recomputed !== hash) return { ok: false, seq: e.seq, reason: 'hash does not match the event content' };
    prev = hash;
    expectSeq += 1;
  }
  return { ok: true, count: events.length, head: prev };
}
