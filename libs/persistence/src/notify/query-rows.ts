import type { Queryable } from '../ledger.repository';

/**
 * Runs `sql` and returns its rows whatever the statement: TypeORM's postgres
 * driver answers an UPDATE or DELETE (also one inside a CTE) with
 * `[rows, rowCount]` instead of the rows.
 */
export async function queryRows<T = Record<string, unknown>>(q: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await q.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
