import type { Queryable } from '../ledger.repository';

/**
 * Runs `sql` and returns its rows whatever answers: a TypeORM manager (rows, or `[rows, rowCount]`
 * for an UPDATE/DELETE … RETURNING) or a plain `pg` client (`{ rows }`, as tests use).
 */
export async function limitsRows<T = Record<string, unknown>>(q: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await q.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] })?.rows ?? []) as T[];
}
