/** The textual UUID form (any version); ledger job ids are UUIDv7. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `id` can name a job. Anything else is answered 404 without asking the
 * database (which would reject it as a uuid and answer 500).
 */
export function isJobId(id: string): boolean {
  return UUID_PATTERN.test(id);
}
