/**
 * A state bundle as one tar archive (`POST /api/v1/exports`, `orchctl export
 * --out <file>.tar`): `manifest.json` first, then the NDJSON files in manifest
 * order, each entry with fixed metadata (mode 0644, owner 0, mtime 0), so the
 * same state gives the same archive bytes. Unpacked, it is the bundle folder.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import * as tar from 'tar-stream';
import { beginExport, ExportClient, ExportOptions, scanTable } from './bundle-export';
import { buildManifest, BundleError, BundleFile, BundleManifest, BUNDLE_FILE_PATTERN, MANIFEST_FILE, manifestText } from './bundle-format';

/** Media type of a bundle archive. */
export const BUNDLE_ARCHIVE_MEDIA_TYPE = 'application/x-tar';

const BLOCK = 512;
/** Longest entry name a plain ustar header holds without a prefix (longer ones would need a pax header, changing the size). */
const TAR_NAME_MAX_BYTES = 100;
const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

/** The tar header of an entry: everything but name and size fixed. */
function entryHeader(name: string, size: number): Partial<tar.Header> & Pick<tar.Header, 'name'> {
  if (Buffer.byteLength(name) > TAR_NAME_MAX_BYTES) throw new BundleError('bundle_invalid', `${name} is too long a name for a bundle archive entry`);
  return { name, size, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(0) };
}

/**
 * Bytes of the archive of `manifest` whose text is `manifestBytes` long: a
 * header block per entry, each body padded to whole blocks, two zero blocks
 * at the end (the answer's `Content-Length`).
 */
export function archiveSize(manifestBytes: number, files: readonly Pick<BundleFile, 'file' | 'bytes'>[]): number {
  entryHeader(MANIFEST_FILE, manifestBytes);
  let size = BLOCK + padded(manifestBytes);
  for (const f of files) {
    entryHeader(f.file, f.bytes);
    size += BLOCK + padded(f.bytes);
  }
  return size + 2 * BLOCK;
}

/** {@link writeBundleArchive}'s options. */
export interface ArchiveOptions extends ExportOptions {
  /**
   * Called once the bundle is measured and before the first byte is written,
   * with its manifest and the archive's exact size: the place to answer
   * headers, or to refuse (throwing leaves `out` untouched).
   */
  beforeWrite?: (manifest: BundleManifest, archiveBytes: number) => Promise<void> | void;
}

/**
 * Writes the bundle as one archive to `out`, table by table, never holding
 * more than a batch of rows: a first pass over the snapshot measures every
 * file (rows, bytes, SHA-256: the manifest, which goes first), a second pass
 * inside the same `REPEATABLE READ` snapshot streams the rows, and each file
 * must hash as measured. A failure after writing began destroys `out`, so the
 * reader sees a cut archive rather than a short valid one.
 */
export async function writeBundleArchive(db: ExportClient, out: Writable, opts: ArchiveOptions): Promise<BundleManifest> {
  let writing = false;
  try {
    const plan = await beginExport(db, opts);
    const files: BundleFile[] = [];
    for (const t of plan.tables) files.push(await scanTable(db, t, plan, opts.batchRows));
    const manifest = buildManifest({ scope: plan.scope, schemas: opts.schemas, migrations: plan.migrations, files });
    const text = Buffer.from(manifestText(manifest));
    await opts.beforeWrite?.(manifest, archiveSize(text.length, files));
    writing = true;
    const archive = packInto(out);
    await archive.entry(MANIFEST_FILE, text.length, async (write) => write(text));
    for (const [i, t] of plan.tables.entries()) {
      const f = files[i];
      await archive.entry(f.file, f.bytes, async (write) => {
        const again = await scanTable(db, t, plan, opts.batchRows, (chunk) => write(Buffer.from(chunk)));
        if (again.sha256 !== f.sha256) throw new BundleError('bundle_invalid', `${f.file} read differently in the second pass of one snapshot`);
      });
      opts.onTable?.(f);
    }
    await archive.finish();
    await db.query('COMMIT');
    return manifest;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    if (writing) out.destroy(err as Error);
    throw err;
  }
}

/** A tar pack piped into `out`, with writes that wait for the reader and fail when it goes away. */
function packInto(out: Writable) {
  const pack = tar.pack();
  // Every failure settles `broken` once; later ones (a sink destroyed with the pack) have nowhere else to go.
  const broken = new Promise<never>((_, reject) => {
    out.on('error', reject);
    out.once('close', () => {
      if (!out.writableFinished) reject(new Error('the archive was closed before it was complete (the reader went away)'));
    });
    pack.on('error', reject);
  });
  broken.catch(() => undefined);
  pack.pipe(out);
  return {
    async entry(name: string, size: number, body: (write: (b: Buffer) => Promise<void>) => Promise<void>): Promise<void> {
      let written: () => void = () => undefined;
      let refused: (e: Error) => void = () => undefined;
      const done = new Promise<void>((resolve, reject) => ((written = resolve), (refused = reject)));
      done.catch(() => undefined); // a failure mid-body is reported by the write that saw it
      const sink = pack.entry(entryHeader(name, size), (err) => (err ? refused(err) : written()));
      sink.on('error', refused);
      await body(async (b) => {
        if (!sink.write(b)) await Promise.race([once(sink, 'drain'), broken]);
      });
      sink.end(undefined); // streamx types want an argument; none is written
      await Promise.race([done, broken]);
    },
    async finish(): Promise<void> {
      const flushed = out.writableFinished ? Promise.resolve() : once(out, 'finish');
      pack.finalize();
      await Promise.race([flushed, broken]);
    },
  };
}

/**
 * Unpacks a bundle archive into `dir` (empty), refusing anything a bundle
 * cannot hold before it reaches the disk: entries that are not regular files,
 * names other than `manifest.json` and `<schema>.<table>.ndjson` (so no path
 * leaves `dir`), and a name given twice. The folder is then verified as any
 * bundle folder is.
 */
export async function extractBundleArchive(file: string, dir: string): Promise<void> {
  const extract = tar.extract();
  const input = createReadStream(file);
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract);
  const seen = new Set<string>();
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      if (type !== 'file' || (name !== MANIFEST_FILE && !BUNDLE_FILE_PATTERN.test(name))) {
        throw new BundleError('bundle_invalid', `archive entry ${JSON.stringify(name).slice(0, 120)} (${type}) is not part of an Orch state bundle`);
      }
      if (seen.has(name)) throw new BundleError('bundle_tampered', `archive entry ${name} appears twice`);
      seen.add(name);
      await pipeline(entry, createWriteStream(join(dir, name), { flags: 'wx' }));
    }
  } catch (err) {
    input.destroy();
    if (err instanceof BundleError) throw err;
    throw new BundleError('bundle_invalid', `${file} is not a readable tar archive: ${(err as Error)?.message ?? String(err)}`);
  }
}

/**
 * Runs `fn` on the bundle folder at `path`, or, when `path` is a file, on a
 * temporary folder it is unpacked into ({@link extractBundleArchive}), removed
 * afterwards.
 */
export async function withBundleFolder<T>(path: string, fn: (dir: string) => Promise<T> | T): Promise<T> {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // Absent: the folder check names what is missing.
  }
  if (!isFile) return fn(path);
  const dir = mkdtempSync(join(tmpdir(), 'orch-bundle-'));
  try {
    await extractBundleArchive(path, dir);
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
