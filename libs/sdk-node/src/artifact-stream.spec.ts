import { OrchError } from '@orch/contracts';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ArtifactData, checkArtifactInput, countedStream, defaultArtifactMime } from './artifact-stream';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Reads a stream to its end (what the object store's put does), returning the bytes or the error. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Buffer } | { error: unknown }> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(parts) };
      parts.push(value);
    }
  } catch (error) {
    return { error };
  }
}

describe('countedStream', () => {
  it.each<[string, ArtifactData, string]>([
    ['bytes', new Uint8Array([1, 2, 3]), Buffer.from([1, 2, 3]).toString('hex')],
    ['a string, as UTF-8', 'grüße', Buffer.from('grüße').toString('hex')],
    ['a Readable', Readable.from([Buffer.from('ab'), Buffer.from('cd')]), Buffer.from('abcd').toString('hex')],
    ['an async generator of strings and bytes', (async function* () { yield 'x'; yield new Uint8Array([0x79]); })(), Buffer.from('xy').toString('hex')],
  ])('passes %s through unchanged and gives its SHA-256 and size', async (_what, data, hex) => {
    const counted = countedStream(data, 1024);
    const out = await drain(counted.stream);
    expect(out).toEqual({ bytes: Buffer.from(hex, 'hex') });
    expect(counted.digest()).toEqual({ sha256: sha(Buffer.from(hex, 'hex')), size: hex.length / 2 });
    expect(counted.failure()).toBeUndefined();
  });

  it('takes exactly maxBytes and errors artifact_too_large on the byte after, stopping the source', async () => {
    expect(await drain(countedStream(new Uint8Array(10), 10).stream)).toEqual({ bytes: Buffer.alloc(10) });
    let pulled = 0;
    const source = (async function* () {
      for (;;) {
        pulled++;
        yield new Uint8Array(4);
      }
    })();
    const counted = countedStream(source, 10);
    const out = await drain(counted.stream);
    expect(out).toEqual({ error: expect.objectContaining({ code: 'artifact_too_large', retryable: false }) });
    expect(counted.failure()).toBe((out as { error: unknown }).error);
    expect(pulled).toBe(3);
    expect(() => counted.digest()).toThrow(/not read to its end/);
  });

  it('errors with the signal\'s reason once the job is aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('lease lost');
    const source = (async function* () {
      yield 'first';
      controller.abort(reason);
      yield 'second';
    })();
    const out = await drain(countedStream(source, 1024, controller.signal).stream);
    expect(out).toEqual({ error: reason });
  });

  it('passes a failing source\'s own error on, and refuses chunks that are not bytes or strings', async () => {
    const boom = new Error('ENOENT');
    const failing = (async function* () {
      yield 'a';
      throw boom;
    })();
    const counted = countedStream(failing, 1024);
    expect(await drain(counted.stream)).toEqual({ error: boom });
    expect(counted.failure()).toBe(boom);
    const numbers = (async function* () {
      yield 1 as unknown as string;
    })();
    expect(await drain(countedStream(numbers, 1024).stream)).toEqual({ error: expect.objectContaining({ code: 'validation_failed' }) });
    expect(() => countedStream(42 as unknown as ArtifactData, 1)).toThrow(OrchError);
  });
});

describe('artifact input checks', () => {
  it('names the field of a bad name or mime, and defaults the mime by the data', () => {
    expect(() => checkArtifactInput('ok.txt', 'text/plain')).not.toThrow();
    let err: unknown;
    try {
      checkArtifactInput('../x', 'Text/Plain');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'validation_failed', errors: [{ path: 'name' }, { path: 'mime' }] });
    expect(defaultArtifactMime('text')).toBe('text/plain; charset=utf-8');
    expect(defaultArtifactMime(new Uint8Array())).toBe('application/octet-stream');
  });
});
