import * as tar from 'tar-stream';
import { archiveSize } from './bundle-archive';
import { BundleError, MANIFEST_FILE } from './bundle-format';

/** What tar-stream writes for entries of these sizes, as a buffer. */
async function packed(entries: { name: string; size: number }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, mtime: new Date(0) }, Buffer.alloc(e.size, 'x'));
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('archiveSize', () => {
  it.each([
    [[0, 0]],
    [[1, 511, 512, 513]],
    [[300, 1_000_000, 0, 1023]],
  ])('is the byte count of the archive tar-stream writes (sizes %j)', async (sizes) => {
    const [manifest, ...rest] = sizes;
    const files = rest.map((bytes, i) => ({ file: `ledger.t${i}.ndjson`, bytes }));
    const bytes = await packed([{ name: MANIFEST_FILE, size: manifest }, ...files.map((f) => ({ name: f.file, size: f.bytes }))]);
    expect(archiveSize(manifest, files)).toBe(bytes.length);
  });

  it('refuses a name too long for a plain tar header (the size would be another)', () => {
    expect(() => archiveSize(10, [{ file: `${'s'.repeat(60)}.${'t'.repeat(60)}.ndjson`, bytes: 1 }])).toThrow(BundleError);
  });
});
