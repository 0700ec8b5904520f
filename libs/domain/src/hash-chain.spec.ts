import { canonicalJson, chainHash, ChainedEvent, digestOf, GENESIS_HASH, verifyChain } from './hash-chain';

function chain(n: number): ChainedEvent[] {
  const out: ChainedEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const body = {
      tenant: 't1',
      seq: i,
      project: 'p1',
      id: `00000000-0000-7000-8000-00000000000${i}`,
      jobId: 'j',
      eventType: 'job.queued',
      attempt: 1,
      occurredAt: `2026-11-23T10:00:0${i}.000Z`,
      actor: { subject: 'api', scopes: [] },
      data: { n: i },
    };
    const hash = chainHash(prev, body);
    out.push({ ...body, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('hash chain', () => {
  it('canonicalises key order so equal objects hash equally', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(digestOf({ x: 1, y: 2 })).toBe(digestOf({ y: 2, x: 1 }));
    expect(digestOf({ x: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies an intact chain and returns its head', () => {
    const events = chain(5);
    expect(verifyChain(events)).toEqual({ ok: true, count: 5, head: events[4].hash });
  });

  it('detects edited content', () => {
    const events = chain(4);
    events[2] = { ...events[2], data: { n: 99 } };
    expect(verifyChain(events)).toMatchObject({ ok: false, seq: 3, reason: expect.stringMatching(/content/) });
  });

  it('detects a removed event', () => {
    const events = chain(4);
    events.splice(1, 1);
    expect(verifyChain(events)).toMatchObject({ ok: false, seq: 3, reason: expect.stringMatching(/expected seq 2/) });
  });

  it('detects a relinked chain (prevHash does not match)', () => {
    const events = chain(3);
    events[1] = { ...events[1], prevHash: GENESIS_HASH };
    expect(verifyChain(events)).toMatchObject({ ok: false, seq: 2, reason: expect.stringMatching(/prevHash/) });
  });

  it('verifies a suffix from a known head', () => {
    const events = chain(5);
    expect(verifyChain(events.slice(2), events[1].hash, 2)).toMatchObject({ ok: true, count: 3 });
  });

  describe('with audit entries (a chain of another shape)', () => {
    function auditChain(n: number) {
      const out: { seq: number; prevHash: string; hash: string; [k: string]: unknown }[] = [];
      let prev = GENESIS_HASH;
      for (let i = 1; i <= n; i++) {
        const body = {
          tenant: 't1',
          seq: i,
          project: i % 2 ? null : 'p1',
          id: `00000000-0000-7000-8000-0000000000a${i}`,
          occurredAt: `2026-11-23T10:00:0${i}.000Z`,
          actor: { subject: 'alice', scopes: ['orch:operate'] },
          action: 'job.cancel',
          targetType: 'job',
          targetId: `j${i}`,
          reason: 'stuck',
          ticket: null,
          before: { status: 'queued' },
          after: { status: 'canceled' },
        };
        const hash = chainHash(prev, body);
        out.push({ ...body, prevHash: prev, hash });
        prev = hash;
      }
      return out;
    }

    it('verifies an intact audit chain with nullable fields', () => {
      const entries = auditChain(4);
      expect(verifyChain(entries)).toEqual({ ok: true, count: 4, head: entries[3].hash });
    });

    it('detects an edited before/after state', () => {
      const entries = auditChain(3);
      entries[1] = { ...entries[1], after: { status: 'queued' } };
      expect(verifyChain(entries)).toMatchObject({ ok: false, seq: 2, reason: expect.stringMatching(/content/) });
    });

    it('detects a changed ticket (null and absent are different content)', () => {
      const entries = auditChain(2);
      const { ticket: _t, ...withoutTicket } = entries[0];
      expect(verifyChain([withoutTicket as (typeof entries)[number], entries[1]])).toMatchObject({ ok: false, seq: 1 });
    });
  });
});
