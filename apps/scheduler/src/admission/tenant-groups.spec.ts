import { groupByTenant } from './tenant-groups';

describe('groupByTenant', () => {
  it('puts each tenant’s items in one group, keeping their order and the tenants’ first-seen order', () => {
    const items = [
      { tenant: 'b', id: 1 },
      { tenant: 'a', id: 2 },
      { tenant: 'b', id: 3 },
      { tenant: 'c', id: 4 },
      { tenant: 'a', id: 5 },
    ];
    const groups = groupByTenant(items);
    expect([...groups.keys()]).toEqual(['b', 'a', 'c']);
    expect(groups.get('b')!.map((i) => i.id)).toEqual([1, 3]);
    expect(groups.get('a')!.map((i) => i.id)).toEqual([2, 5]);
    expect(groups.get('c')!.map((i) => i.id)).toEqual([4]);
  });

  it('returns no groups for no items', () => {
    expect(groupByTenant([]).size).toBe(0);
  });
});
