import { isTransientDbError } from './ledger-errors';

describe('ledger read failures', () => {
  it('counts lost connections and restarts as transient, query errors not', () => {
    expect(isTransientDbError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientDbError({ driverError: { code: '57P01' } })).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isTransientDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('x'), { code: '42P01' }))).toBe(false);
    expect(isTransientDbError(undefined)).toBe(false);
  });
});
