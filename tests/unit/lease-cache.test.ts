import { describe, expect, it } from 'vitest';
import { LeaseCache } from '../../main/engine/runs/lease-cache.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A cache of strings that records every load and close. */
function recordingCache(capacity: number) {
  const loads: string[] = [];
  const closed: string[] = [];
  const cache = new LeaseCache<string>(
    async (key) => {
      loads.push(key);
      await new Promise((r) => setTimeout(r, 5));
      if (key === 'bad') throw new Error('cannot load');
      return key;
    },
    async (value) => void closed.push(value),
    capacity,
  );
  return { cache, loads, closed };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('LeaseCache', () => {
  it('shares one load among concurrent requests for a key', async () => {
    const { cache, loads } = recordingCache(2);
    const values = await Promise.all(Array.from({ length: 5 }, () => cache.use('a', (v) => v)));
    expect(values).toEqual(['a', 'a', 'a', 'a', 'a']);
    expect(loads).toEqual(['a']);
  });

  it('closes the least recently used value beyond capacity, never one a request holds', async () => {
    const { cache, loads, closed } = recordingCache(2);
    const held = deferred();
    const holding = cache.use('a', () => held.promise);
    await cache.use('b', () => undefined);
    await cache.use('c', () => undefined);
    await settle();
    // 'a' is the oldest but in use: 'b' goes instead
    expect(closed).toEqual(['b']);
    await cache.use('d', () => undefined);
    await settle();
    expect(closed).toEqual(['b', 'c']);
    held.resolve();
    await holding;
    await settle();
    // released, 'a' fits in the cache again; the next new key pushes out the least recently used
    expect(closed).toEqual(['b', 'c']);
    await cache.use('d', () => undefined);
    await cache.use('e', () => undefined);
    await settle();
    expect(closed).toEqual(['b', 'c', 'a']);
    expect(loads).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('an evicted value is closed when its last request ends, and the next request loads it again', async () => {
    const { cache, loads, closed } = recordingCache(3);
    const held = deferred();
    const holding = cache.use('a', () => held.promise);
    await settle();
    cache.evict('a');
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toEqual([]);
    held.resolve();
    await holding;
    await settle();
    expect(closed).toEqual(['a']);
    await cache.use('a', () => undefined);
    expect(loads).toEqual(['a', 'a']);
  });

  it('forgets a failed load so the next request tries again, and closes nothing for it', async () => {
    const { cache, loads, closed } = recordingCache(3);
    await expect(cache.use('bad', () => undefined)).rejects.toThrow('cannot load');
    await expect(cache.use('bad', () => undefined)).rejects.toThrow('cannot load');
    expect(loads).toEqual(['bad', 'bad']);
    expect(cache.has('bad')).toBe(false);
    await cache.closeAll();
    expect(closed).toEqual([]);
  });

  it('closeAll closes every unused value', async () => {
    const { cache, closed } = recordingCache(3);
    await cache.use('a', () => undefined);
    await cache.use('b', () => undefined);
    await cache.closeAll();
    expect(closed.sort()).toEqual(['a', 'b']);
  });
});
