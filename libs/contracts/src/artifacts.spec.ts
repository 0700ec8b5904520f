import { ArtifactRequest } from './artifacts';
import { artifactBucket, artifactMimeProblem, artifactNameProblem, artifactObjectName, artifactOfEvent, artifactUri, parseArtifactUri } from './artifacts';
import { OrchError } from './errors';
import { validatePlain } from './validate';

describe('artifact names', () => {
  it('accepts plain names and nested folders', () => {
    for (const name of ['report.txt', 'out/2026-12-07/summary.json', '_meta', 'a', 'CVE-2026-0001.tar.gz', 'x'.repeat(255)]) {
      expect({ name, problem: artifactNameProblem(name) }).toEqual({ name, problem: null });
    }
  });

  it('refuses every way out of the job\'s folder and every character a header or path would misread', () => {
    const bad = ['', '..', '../x', 'a/../b', 'a/..', './a', '/abs', 'a//b', 'a/', '.env', 'a\\b', 'a b', 'a\u0000b', 'a\r\nb', 'é.txt', 'a?b', 'a%2Fb', 'x'.repeat(256)];
    for (const name of bad) expect({ name, refused: artifactNameProblem(name) !== null }).toEqual({ name, refused: true });
    expect(artifactNameProblem(7)).toMatch(/non-empty string/);
  });
});

describe('artifact media types', () => {
  it('accepts type/subtype with simple parameters', () => {
    for (const mime of ['text/plain', 'application/json', 'application/vnd.orch+json', 'text/csv; charset=utf-8', 'text/plain;charset=UTF-8']) {
      expect({ mime, problem: artifactMimeProblem(mime) }).toEqual({ mime, problem: null });
    }
  });

  it('refuses what could break or inject a Content-Type header', () => {
    for (const mime of ['text', 'Text/Plain', 'text/plain\r\nX-Evil: 1', 'text/plain; charset="utf-8"', 'text/ plain', '', `text/${'p'.repeat(200)}`]) {
      expect({ mime, refused: artifactMimeProblem(mime) !== null }).toEqual({ mime, refused: true });
    }
  });
});

describe('artifact locations', () => {
  it('puts a tenant\'s artifacts in its own bucket under <jobId>/<attempt>/<name>, with a uri that parses back', () => {
    const bucket = artifactBucket('orch', 'acme-eu');
    expect(bucket).toBe('orch_artifacts_acme-eu');
    const objectName = artifactObjectName('0192f0a0-0000-7000-8000-000000000001', 2, 'out/r.txt');
    expect(objectName).toBe('0192f0a0-0000-7000-8000-000000000001/2/out/r.txt');
    expect(parseArtifactUri(artifactUri(bucket, objectName))).toEqual({ bucket, objectName });
    expect(parseArtifactUri('https://example.com/x')).toBeNull();
  });

  it('refuses a tenant or namespace that would not make a bucket name of its own', () => {
    expect(() => artifactBucket('orch', 'a.b')).toThrow(/invalid tenant/);
    expect(() => artifactBucket('orch', 'a>')).toThrow(/invalid tenant/);
    expect(() => artifactBucket('Orch', 'a')).toThrow(/invalid namespace/);
  });
});

describe('the artifact verb', () => {
  const valid = { jobId: '0192f0a0-0000-7000-8000-000000000001', leaseId: '0192f0a0-0000-7000-8000-0000000000aa', fencingToken: 1, name: 'r.txt', sha256: 'a'.repeat(64), size: 3, mime: 'text/plain' };

  it('accepts a complete record and refuses a path-trick name, a bad digest or size, with the field named', () => {
    expect(validatePlain(ArtifactRequest, valid)).toMatchObject({ name: 'r.txt', size: 3 });
    for (const [field, value] of [['name', '../r.txt'], ['sha256', 'A'.repeat(64)], ['size', -1], ['size', 1.5], ['mime', 'text'], ['extra', 1]] as const) {
      let err: unknown;
      try {
        validatePlain(ArtifactRequest, { ...valid, [field]: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OrchError);
      expect((err as OrchError).errors?.map((e) => e.path)).toContain(field);
    }
  });

  it('reads an artifact back from its ledger event, and nothing from an event of another shape', () => {
    const event = { id: 'e1', jobId: valid.jobId, attempt: 1, occurredAt: '2026-12-07T10:00:00.000Z', data: { name: 'r.txt', uri: 'nats-obj://b/x', sha256: valid.sha256, size: 3, mime: 'text/plain' } };
    expect(artifactOfEvent(event)).toEqual({ id: 'e1', jobId: valid.jobId, attempt: 1, name: 'r.txt', uri: 'nats-obj://b/x', sha256: valid.sha256, size: 3, mime: 'text/plain', createdAt: event.occurredAt });
    expect(artifactOfEvent({ ...event, data: { percent: 4 } })).toBeNull();
  });
});
