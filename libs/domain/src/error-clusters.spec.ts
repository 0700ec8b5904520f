import { clusterErrors, ERROR_SHAPE_MAX_LENGTH, ErrorGroup, errorShape } from './error-clusters';

describe('errorShape', () => {
  it('replaces ids, numbers and quoted values, keeps the words', () => {
    expect(errorShape('job 0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b timed out after 30000 ms')).toBe('job <id> timed out after <n> ms');
    expect(errorShape("field 'cve_id' is missing in row 17")).toBe('field <…> is missing in row <n>');
    expect(errorShape('upstream https://nvd.nist.gov/rest/json/cves/2.0?startIndex=2000 answered 503')).toBe('upstream https://nvd.nist.gov/… answered <n>');
    expect(errorShape('digest deadbeefcafebabe0011 mismatch')).toBe('digest <id> mismatch');
  });

  it('keeps numbers that are part of a word (http2, sha256) and collapses spaces', () => {
    expect(errorShape('http2  stream   reset (sha256)')).toBe('http2 stream reset (sha256)');
  });

  it('gives the same shape for messages that differ only in their values', () => {
    expect(errorShape('rate limited: retry in 12 s (request "a1")')).toBe(errorShape('rate limited: retry in 7 s (request "zz9")'));
  });

  it('is null for no message and bounded for a long one', () => {
    expect(errorShape(null)).toBeNull();
    expect(errorShape('x'.repeat(5_000))!.length).toBe(ERROR_SHAPE_MAX_LENGTH);
  });
});

describe('clusterErrors', () => {
  const g = (over: Partial<ErrorGroup>): ErrorGroup => ({ errorCode: 'upstream_503', errorMessage: 'upstream answered 503', jobType: 'a', count: 1, firstAt: 1_000, lastAt: 2_000, sampleJobIds: [], ...over });

  it('merges groups of one code and message shape, summing counts, spanning times, ranking job types', () => {
    const [c] = clusterErrors(
      [
        g({ errorMessage: 'timeout after 30000 ms', errorCode: 'timeout', jobType: 'scan', count: 2, firstAt: 10, lastAt: 50, sampleJobIds: ['j1', 'j2'] }),
        g({ errorMessage: 'timeout after 31000 ms', errorCode: 'timeout', jobType: 'sync', count: 5, firstAt: 5, lastAt: 40, sampleJobIds: ['j3'] }),
      ],
      10,
    );
    expect(c).toEqual({ errorCode: 'timeout', message: 'timeout after <n> ms', count: 7, jobTypes: ['sync', 'scan'], firstAt: 5, lastAt: 50, sampleJobIds: ['j2', 'j1', 'j3'] });
  });

  it('keeps different codes apart even with the same message', () => {
    expect(clusterErrors([g({ errorCode: 'a' }), g({ errorCode: 'b' })], 10)).toHaveLength(2);
  });

  it('orders largest first, then newest, and cuts at top', () => {
    const out = clusterErrors([g({ errorCode: 'small', count: 1 }), g({ errorCode: 'big', count: 9 }), g({ errorCode: 'newer', count: 1, lastAt: 9_999 })], 2);
    expect(out.map((c) => c.errorCode)).toEqual(['big', 'newer']);
  });

  it('clusters dead letters without an error (lease expiry) under a null code and message', () => {
    expect(clusterErrors([g({ errorCode: null, errorMessage: null, count: 3 })], 5)).toMatchObject([{ errorCode: null, message: null, count: 3 }]);
  });
});
