import { describe, expect, it } from 'vitest';
import { TermTable } from '../../main/engine/classify/tfidf.ts';

describe('TermTable', () => {
  it('keeps every key and its count across resizes', () => {
    const table = new TermTable(16);
    const keys = Array.from({ length: 3000 }, (_, k) => Math.imul(k + 1, 2654435761) >>> 0 || 1);
    for (const key of keys) table.add(key, 1);
    for (const key of keys) table.add(key, 2);
    expect(table.size).toBe(3000);
    expect(keys.every((key) => table.get(key) === 3)).toBe(true);
    const seen = new Map<number, number>();
    table.forEach((key, value) => seen.set(key, value));
    expect(seen.size).toBe(3000);
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual([...keys].sort((a, b) => a - b));
  });
});
