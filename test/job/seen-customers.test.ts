import { describe, expect, it } from 'vitest';
import { SeenCustomers } from '../../src/job/seen-customers.js';

describe('SeenCustomers', () => {
  it('says a customer was met before only from its second time on', () => {
    const seen = new SeenCustomers();
    expect(seen.add('c-1')).toBe(false);
    expect(seen.add('c-10')).toBe(false);
    expect(seen.add('c-1')).toBe(true);
    expect(seen.add('c-1')).toBe(true);
    expect(seen.add('c-10')).toBe(true);
    expect(seen.size).toBe(2);
  });

  it('tells apart ids of any characters, the empty one included', () => {
    const ids = ['', ' ', 'é', 'e\u0301', 'Zoë', '😀', 'a/b?c', 'x'.repeat(10_000)];
    const seen = new SeenCustomers();
    expect(ids.map((id) => seen.add(id))).toEqual(ids.map(() => false));
    expect(ids.map((id) => seen.add(id))).toEqual(ids.map(() => true));
  });

  it('keeps every customer as it grows past its first sizes', () => {
    const seen = new SeenCustomers();
    const ids = Array.from({ length: 20_000 }, (_, i) => `cus_${i}`);
    expect(ids.filter((id) => seen.add(id))).toEqual([]);
    expect(seen.size).toBe(20_000);
    expect(ids.filter((id) => !seen.add(id))).toEqual([]);
    expect(seen.add('cus_20000')).toBe(false);
  });
});
