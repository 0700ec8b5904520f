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

/**
 * One link of a per-tenant hash chain (job events, audit entries): a body with
 * a contiguous `seq`, plus the hash it links to and its own hash.
 */
export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
}

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

/**
 * `hash = sha256(prevHash + "\n" + canonicalJson(body))`, where `body` is the
 * entry without its two hashes (a job event, an audit entry, …). The body must
 * be plain JSON data: what is hashed is what is stored and read back.
 */
export function chainHash(prevHash: string, body: object): string {
  return sha256Hex(`${prevHash}\n${canonicalJson(body)}`);
}

/** A ledger event with its chain hashes. */
export interface ChainedEvent extends ChainedEventBody, ChainLink {}

export type ChainVerdict = { ok: true; count: number; head: string } | { ok: false; seq: number; reason: string };

/**
 * Verifies one tenant's chain (job events or audit entries) in seq order,
 * starting from `startHash` at `startSeq` (genesis by default): contiguous seq,
 * linked prevHash, and each hash recomputed from the entry's other fields.
 */
export function verifyChain<T extends ChainLink>(
  entries: readonly T[],
  startHash: string = GENESIS_HASH,
  startSeq = 0,
): ChainVerdict {
  let prev = startHash;
  let expectSeq = startSeq + 1;
  for (const e of entries) {
    if (e.seq !== expectSeq) return { ok: false, seq: e.seq, reason: `expected seq ${expectSeq}, found ${e.seq}` };
    if (e.prevHash !== prev) return { ok: false, seq: e.seq, reason: 'prevHash does not match the previous hash' };
    const { prevHash: _p, hash, ...body } = e;
    const recomputed = chainHash(prev, body);
    if (recomputed !== hash) return { ok: false, seq: e.seq, reason: 'hash does not match the event content' };
    prev = hash;
    expectSeq += 1;
  }
  return { ok: true, count: entries.length, head: prev };
}
