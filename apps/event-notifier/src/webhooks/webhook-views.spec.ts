import { OrchError } from '@orch/contracts';
import { decodeCursor, encodeCursor } from './webhook-views';

describe('webhook list cursors', () => {
  const id = '0192f0a0-0000-7000-8000-00000000a001';

  it('round-trips the last id of a page and is null after the last page', () => {
    const cursor = encodeCursor(id)!;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toBe(id);
    expect(encodeCursor(null)).toBeNull();
    expect(decodeCursor(undefined)).toBeUndefined();
  });

  it.each(['x', encodeCursor('not-a-uuid')!, encodeCursor(id.toUpperCase())!, 'A'.repeat(600)])('refuses %j with validation_failed on cursor', (cursor) => {
    let error: unknown;
    try {
      decodeCursor(cursor);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OrchError);
    expect(error).toMatchObject({ code: 'validation_failed', errors: [{ path: 'cursor' }] });
  });
});
