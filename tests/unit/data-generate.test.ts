import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSample } from '../../main/engine/data/generate.ts';
import { TOPICS } from '../../main/engine/data/vocabulary.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';

const args = { users: 300, items: 480, interactions: 6000 };
const root = mkdtempSync(join(tmpdir(), 'ty-gen-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const tempDir = () => {
  const dir = join(root, String(folders++));
  mkdirSync(dir);
  return dir;
};

async function generate(seed: number) {
  const out = tempDir();
  const sample = await generateSample({ out, seed, ...args }, silentContext());
  const read = (p: string) => readFileSync(p, 'utf8').trimEnd().split('\n');
  const events = read(sample.interactions)
    .slice(1)
    .map((l) => {
      const [user, item, rating, ts] = l.split(',');
      return { user: user!, item: item!, rating: Number(rating), ts: Number(ts) };
    });
  const items = new Map(
    read(sample.items)
      .slice(1)
      .map((l) => {
        const [id, title, description, category] = l.split(',');
        return [id!, { title: title!, description: description!, category: category! }] as const;
      }),
  );
  return { sample, events, items, bytes: readFileSync(sample.interactions, 'utf8') + readFileSync(sample.items, 'utf8') };
}

function groupBy<T>(values: T[], key: (v: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const v of values) {
    const k = key(v);
    const group = groups.get(k);
    if (group) group.push(v);
    else groups.set(k, [v]);
  }
  return groups;
}

describe('generateSample', async () => {
  const a = await generate(7);

  it('is deterministic for a seed and differs across seeds', async () => {
    expect((await generate(7)).bytes).toBe(a.bytes);
    expect((await generate(8)).bytes).not.toBe(a.bytes);
  });

  it('writes the requested sizes, with no repeated (user, item) pair', () => {
    expect(a.events).toHaveLength(args.interactions);
    expect(a.items.size).toBe(args.items);
    expect(new Set(a.events.map((e) => e.user)).size).toBe(args.users);
    expect(new Set(a.events.map((e) => `${e.user} ${e.item}`)).size).toBe(args.interactions);
    expect(a.events.every((e) => e.rating >= 1 && e.rating <= 5 && Number.isInteger(e.rating))).toBe(true);
    expect(readFileSync(a.sample.interactions, 'utf8').split('\n')[0]).toBe('user_id,item_id,rating,timestamp');
    expect(readFileSync(a.sample.items, 'utf8').split('\n')[0]).toBe('item_id,title,description,category');
  });

  it('gives text signal: titles and many description words come from the category vocabulary', () => {
    let share = 0;
    for (const it of a.items.values()) {
      const vocab = new Set(TOPICS.find((t) => t.category === it.category)!.words);
      const titleWords = it.title.toLowerCase().split(' ');
      expect(vocab.has(titleWords[0]!) && vocab.has(titleWords[1]!)).toBe(true);
      const words = it.description.toLowerCase().replace('.', '').split(' ');
      share += words.filter((w) => vocab.has(w)).length / words.length;
    }
    expect(share / a.items.size).toBeGreaterThan(0.45);
  });

  it('has strong taste structure: most events of an active user fall in two of 12 categories, and those rate higher', () => {
    const byUser = [...groupBy(a.events, (e) => e.user).values()].filter((events) => events.length >= 20);
    expect(byUser.length).toBeGreaterThan(50);
    let inTop2 = 0;
    let ratingIn = 0;
    let nIn = 0;
    let ratingOut = 0;
    let nOut = 0;
    for (const events of byUser) {
      const counts = groupBy(events, (e) => a.items.get(e.item)!.category);
      const top = [...counts.entries()]
        .sort((x, y) => y[1].length - x[1].length)
        .slice(0, 2)
        .map(([c]) => c);
      for (const e of events) {
        const hit = top.includes(a.items.get(e.item)!.category);
        inTop2 += hit ? 1 : 0;
        if (hit) {
          ratingIn += e.rating;
          nIn++;
        } else {
          ratingOut += e.rating;
          nOut++;
        }
      }
    }
    expect(inTop2 / (nIn + nOut)).toBeGreaterThan(0.65);
    expect(ratingIn / nIn - ratingOut / nOut).toBeGreaterThan(0.5);
  });

  it('drifts: the most popular items of the last months differ from those of the first months', () => {
    const times = a.events.map((e) => e.ts).sort((x, y) => x - y);
    const cut = (q: number) => times[Math.floor(q * (times.length - 1))]!;
    const top = (from: number, to: number) => {
      const counts = new Map<string, number>();
      for (const e of a.events) if (e.ts >= from && e.ts <= to) counts.set(e.item, (counts.get(e.item) ?? 0) + 1);
      return new Set(
        [...counts.entries()]
          .sort((x, y) => y[1] - x[1])
          .slice(0, 20)
          .map(([i]) => i),
      );
    };
    const early = top(cut(0), cut(0.25));
    const late = top(cut(0.75), cut(1));
    expect([...late].filter((i) => early.has(i)).length).toBeLessThan(12);
  });

  it('matches the shipped sample in assets/sample (defaults)', async () => {
    const out = tempDir();
    const sample = await generateSample({ out }, silentContext());
    const shipped = join(import.meta.dirname, '../../assets/sample');
    expect(readFileSync(sample.interactions, 'utf8') === readFileSync(join(shipped, 'interactions.csv'), 'utf8')).toBe(true);
    expect(readFileSync(sample.items, 'utf8') === readFileSync(join(shipped, 'items.csv'), 'utf8')).toBe(true);
  });

  it('rejects sizes that cannot be met', async () => {
    await expect(generateSample({ out: tempDir(), users: 10, items: 20, interactions: 500 }, silentContext())).rejects.toThrow(/do not fit/);
    await expect(generateSample({ out: tempDir(), users: 0 }, silentContext())).rejects.toThrow(/users must be/);
  });
});
