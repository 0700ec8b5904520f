/**
 * Groups items by tenant, keeping first-seen tenant order and the items' order
 * inside each group (the ledger returns admittable jobs best first).
 */
export function groupByTenant<T extends { tenant: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.tenant);
    if (group) group.push(item);
    else groups.set(item.tenant, [item]);
  }
  return groups;
}
