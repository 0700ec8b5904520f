import { ArtifactLimits, artifactMimeProblem, artifactNameProblem, OrchError } from '@orch/contracts';
import { createHash } from 'node:crypto';

/**
 * What an artifact's bytes may be: bytes, a string (UTF-8), or any async iterable of either —
 * a Node `Readable` (e.g. `fs.createReadStream`), an async generator, a web `ReadableStream`.
 */
export type ArtifactData = Uint8Array | string | AsyncIterable<Uint8Array | string>;

/** The media type a publish gets when it names none: text for a string, bytes otherwise. */
export function defaultArtifactMime(data: ArtifactData): string {
  return typeof data === 'string' ? 'text/plain; charset=utf-8' : ArtifactLimits.mimeDefault;
}

/** Refuses a name or media type the protocol would refuse, before anything is uploaded (`validation_failed`). */
export function checkArtifactInput(name: string, mime: string): void {
  const errors = [
    ...(artifactNameProblem(name) ? [{ path: 'name', message: artifactNameProblem(name)! }] : []),
    ...(artifactMimeProblem(mime) ? [{ path: 'mime', message: artifactMimeProblem(mime)! }] : []),
  ];
  if (errors.length > 0) {
    throw new OrchError('validation', `artifact ${JSON.stringify(name)}: ${errors.map((e) => e.message).join('; ')}`, { retryable: false, errors });
  }
}

/** The bytes of a {@link CountedStream}, once it was read to the end. */
export interface ArtifactDigest {
  /** SHA-256, lower-case hex. */
  sha256: string;
  size: number;
}

/** A readable stream of the artifact's bytes that hashes and counts them as they pass. */
export interface CountedStream {
  stream: ReadableStream<Uint8Array>;
  /** The digest and size of everything read; throws unless the stream was read to its end. */
  digest(): ArtifactDigest;
  /** Why the stream itself failed (the source threw, the limit was passed, the signal aborted), if it did. */
  failure(): unknown;
}

const encoder = new TextEncoder();

function bytesOf(chunk: unknown): Uint8Array {
  if (typeof chunk === 'string') return encoder.encode(chunk);
  // A copy: the store buffers chunks until it sends them, and a source may reuse its buffer.
  if (chunk instanceof Uint8Array) return new Uint8Array(chunk);
  throw new OrchError('validation', `artifact data yielded a ${chunk === null ? 'null' : typeof chunk}; expected Uint8Array or string chunks`, { retryable: false });
}

function chunksOf(data: ArtifactData): AsyncIterator<Uint8Array | string> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    let sent = false;
    return {
      next: async () => (sent ? { done: true, value: undefined } : ((sent = true), { done: false, value: data })),
    };
  }
  if (data !== null && typeof data === 'object' && Symbol.asyncIterator in data) return data[Symbol.asyncIterator]();
  throw new OrchError('validation', 'artifact data must be a Uint8Array, a string or an async iterable of them (a Readable)', { retryable: false });
}

/**
 * Wraps the artifact's data in a stream that computes SHA-256 and size on the way, and errors
 * — so the upload stops and its chunks are purged — once more than `maxBytes` passed
 * (`artifact_too_large`) or `signal` aborts (with the signal's reason).
 */
export function countedStream(data: ArtifactData, maxBytes: number, signal?: AbortSignal): CountedStream {
  const source = chunksOf(data);
  const hash = createHash('sha256');
  let size = 0;
  let ended = false;
  let result: ArtifactDigest | null = null;
  let failed: { error: unknown } | null = null;
  const pull = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (signal?.aborted) throw signal.reason;
    const next = await source.next();
    if (next.done) {
      ended = true;
      controller.close();
      return;
    }
    const chunk = bytesOf(next.value);
    size += chunk.length;
    if (size > maxBytes) {
      await source.return?.();
      throw new OrchError('artifactTooLarge', `artifact is over ${maxBytes} bytes, the lease-broker's ARTIFACT_MAX_BYTES`, { retryable: false });
    }
    hash.update(chunk);
    if (chunk.length > 0) controller.enqueue(chunk);
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        await pull(controller);
      } catch (error) {
        failed = { error };
        throw error;
      }
    },
    async cancel() {
      await source.return?.();
    },
  });
  return {
    stream,
    digest: () => {
      if (!ended) throw new Error('the artifact stream was not read to its end');
      result ??= { sha256: hash.digest('hex'), size };
      return result;
    },
    failure: () => failed?.error,
  };
}
