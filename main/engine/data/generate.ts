import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GenerateArgs } from '../../common/contracts/api.ts';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { mulberry32, normal, sampleCumulative } from '../common/random.ts';
import { FILLER_WORDS, TITLE_SUFFIXES, TOPICS } from './vocabulary.ts';

export const SAMPLE_DEFAULTS = { users: 2000, items: 1000, interactions: 60_000, seed: 42 };

export interface GeneratedSample {
  interactions: string;
  items: string;
  users: number;
  itemCount: number;
  events: number;
}

/** The log spans one year from this instant (2024-01-01T00:00:00Z), in seconds. */
const START = 1_704_067_200;
const SPAN = 365 * 86_400;
/** Item popularity is tabulated per time slice; tastes and popularity drift between slices. */
const SLICES = 24;
/** Share of events that ignore the user's tastes and follow global popularity. */
const NOISE = 0.12;
/** Popularity decays with item age on this scale (share of the year). */
const AGE_SCALE = 0.35;
const MIN_EVENTS_PER_USER = 5;

interface Item {
  main: number;
  second: number;
  popularity: number;
  quality: number;
  /** time (share of the year) the item appears */
  born: number;
}

interface User {
  first: number;
  second: number;
  /** share of taste moving from the first to the second topic over the year */
  drift: number;
  joined: number;
  events: number;
}

/**
 * Writes interactions.csv (user_id,item_id,rating,timestamp) and items.csv
 * (item_id,title,description,category) with latent topic tastes, Zipf-like item popularity,
 * drift over time and ratings that follow taste match. Deterministic for a seed.
 */
export async function generateSample(args: GenerateArgs, ctx: TaskContext): Promise<GeneratedSample> {
  const nUsers = args.users ?? SAMPLE_DEFAULTS.users;
  const nItems = args.items ?? SAMPLE_DEFAULTS.items;
  const total = args.interactions ?? SAMPLE_DEFAULTS.interactions;
  const seed = args.seed ?? SAMPLE_DEFAULTS.seed;
  for (const [name, v, min] of [
    ['users', nUsers, 1],
    ['items', nItems, TOPICS.length],
    ['interactions', total, nUsers],
  ] as const)
    if (!Number.isInteger(v) || v < min) throw new EngineError('invalid-input', `${name} must be an integer ≥ ${min} (got ${v})`, { field: name });
  if (total > nUsers * Math.floor(nItems / 2))
    throw new EngineError('invalid-input', `${total} interactions do not fit ${nUsers} users × ${nItems} items without repeats; ask for fewer`, {
      field: 'interactions',
    });
  const rand = mulberry32(seed);
  const items = makeItems(nItems, rand);
  const users = makeUsers(nUsers, total, nItems, rand);
  mkdirSync(args.out, { recursive: true });
  const itemsPath = join(args.out, 'items.csv');
  const interactionsPath = join(args.out, 'interactions.csv');
  await writeLines(itemsPath, ['item_id,title,description,category', ...items.map((it, k) => itemLine(k, it, rand))]);
  const events = await writeInteractions(interactionsPath, users, items, rand, ctx);
  return { interactions: interactionsPath, items: itemsPath, users: nUsers, itemCount: nItems, events };
}

const itemId = (k: number) => `i${String(k + 1).padStart(5, '0')}`;
const userId = (k: number) => `u${String(k + 1).padStart(5, '0')}`;

function makeItems(n: number, rand: () => number): Item[] {
  const ranks = shuffled(n, rand);
  return Array.from({ length: n }, (_, k) => {
    const main = k % TOPICS.length;
    const second = (main + 1 + Math.floor(rand() * (TOPICS.length - 1))) % TOPICS.length;
    return { main, second, popularity: 1 / (ranks[k]! + 1) ** 0.9, quality: 0.6 * normal(rand), born: k < n / 2 ? 0 : rand() * 0.9 };
  });
}

function makeUsers(n: number, total: number, nItems: number, rand: () => number): User[] {
  const weights = Array.from({ length: n }, () => Math.exp(normal(rand)));
  const sum = weights.reduce((a, b) => a + b, 0);
  const spare = total - MIN_EVENTS_PER_USER * n;
  const cap = Math.floor(nItems / 2);
  const counts = weights.map((w) => Math.min(cap, Math.max(1, MIN_EVENTS_PER_USER + Math.floor((spare * w) / sum))));
  let left = total - counts.reduce((a, b) => a + b, 0);
  for (let k = 0; left !== 0; k = (k + 1) % n) {
    const c = counts[k]!;
    if (left > 0 && c < cap) {
      counts[k] = c + 1;
      left--;
    } else if (left < 0 && c > 1) {
      counts[k] = c - 1;
      left++;
    }
  }
  return counts.map((events) => {
    const first = Math.floor(rand() * TOPICS.length);
    const second = (first + 1 + Math.floor(rand() * (TOPICS.length - 1))) % TOPICS.length;
    return { first, second, drift: 0.5 * rand(), joined: rand() * 0.6, events };
  });
}

function shuffled(n: number, rand: () => number): Int32Array {
  const a = new Int32Array(n);
  for (let k = 0; k < n; k++) a[k] = k;
  for (let k = n - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    [a[k], a[j]] = [a[j]!, a[k]!];
  }
  return a;
}

/** Popularity of an item at time t: zero before it appears, then decaying with age. */
function popularityAt(it: Item, t: number): number {
  return t < it.born ? 0 : it.popularity * Math.exp(-(t - it.born) / AGE_SCALE);
}

/** Per slice: cumulative popularity over all items, and over each topic's items. */
function popularityTables(items: Item[]): { all: Float64Array[]; byTopic: { ids: Int32Array; cumulative: Float64Array[] }[] } {
  const mid = (s: number) => (s + 0.5) / SLICES;
  const all = Array.from({ length: SLICES }, (_, s) => cumulative(items.map((it) => popularityAt(it, mid(s)))));
  const byTopic = TOPICS.map((_, topic) => {
    const ids = Int32Array.from(items.flatMap((it, k) => (it.main === topic ? [k] : [])));
    return { ids, cumulative: Array.from({ length: SLICES }, (_, s) => cumulative(Array.from(ids, (k) => popularityAt(items[k]!, mid(s))))) };
  });
  return { all, byTopic };
}

function cumulative(weights: number[]): Float64Array {
  const c = new Float64Array(weights.length);
  let acc = 0;
  weights.forEach((w, k) => (c[k] = acc += w + 1e-9));
  return c;
}

function tasteAt(u: User, t: number): { first: number; second: number } {
  const shift = u.drift * t;
  return { first: 0.75 - shift, second: 0.15 + shift };
}

async function writeInteractions(path: string, users: User[], items: Item[], rand: () => number, ctx: TaskContext): Promise<number> {
  const tables = popularityTables(items);
  const out = createWriteStream(path);
  out.write('user_id,item_id,rating,timestamp\n');
  let written = 0;
  const total = users.reduce((a, u) => a + u.events, 0);
  for (let uk = 0; uk < users.length; uk++) {
    const u = users[uk]!;
    const times = Array.from({ length: u.events }, () => u.joined + (1 - u.joined) * rand()).sort((a, b) => a - b);
    const seen = new Set<number>();
    let chunk = '';
    for (const t of times) {
      const slice = Math.min(SLICES - 1, Math.floor(t * SLICES));
      const item = pickItem(u, t, slice, tables, seen, rand);
      seen.add(item);
      const ts = START + Math.floor(t * SPAN);
      chunk += `${userId(uk)},${itemId(item)},${rating(u, items[item]!, t, rand)},${ts}\n`;
    }
    written += u.events;
    if (!out.write(chunk)) await once(out, 'drain');
    if (uk % 200 === 0) {
      throwIfCancelled(ctx.signal);
      ctx.progress({ stage: 'generate', current: written, total, unit: 'rows' });
    }
  }
  out.end();
  await once(out, 'finish');
  ctx.progress({ stage: 'generate', current: written, total, unit: 'rows' });
  return written;
}

/** An item the user has not had yet: from a taste topic by that topic's popularity, or (noise) by global popularity. */
function pickItem(u: User, t: number, slice: number, tables: ReturnType<typeof popularityTables>, seen: Set<number>, rand: () => number): number {
  const taste = tasteAt(u, t);
  for (let attempt = 0; attempt < 50; attempt++) {
    const r = rand();
    let item: number;
    if (r < NOISE) item = sampleCumulative(tables.all[slice]!, rand);
    else {
      const x = rand();
      const topic = x < taste.first ? u.first : x < taste.first + taste.second ? u.second : Math.floor(rand() * TOPICS.length);
      const table = tables.byTopic[topic]!;
      item = table.ids[sampleCumulative(table.cumulative[slice]!, rand)]!;
    }
    if (!seen.has(item)) return item;
  }
  for (let k = 0; ; k++) if (!seen.has(k)) return k;
}

/** 1–5 stars: higher when the item's topics match the user's current taste, plus item quality and noise. */
function rating(u: User, it: Item, t: number, rand: () => number): number {
  const taste = tasteAt(u, t);
  const weight = (topic: number) => (topic === u.first ? taste.first : 0) + (topic === u.second ? taste.second : 0);
  const match = 0.75 * weight(it.main) + 0.25 * weight(it.second);
  const score = 2.2 + 3.5 * match + it.quality + 0.7 * normal(rand);
  return Math.min(5, Math.max(1, Math.round(score)));
}

function itemLine(k: number, it: Item, rand: () => number): string {
  const main = TOPICS[it.main]!;
  const second = TOPICS[it.second]!;
  const pick = (words: string[]) => words[Math.floor(rand() * words.length)]!;
  const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
  const first = pick(main.words);
  const other = pick(main.words.filter((w) => w !== first));
  const title = `${cap(first)} ${cap(other)} ${pick(TITLE_SUFFIXES)}`;
  const length = 12 + Math.floor(rand() * 14);
  const words: string[] = [];
  for (let w = 0; w < length; w++) {
    const r = rand();
    words.push(r < 0.55 ? pick(main.words) : r < 0.75 ? pick(second.words) : pick(FILLER_WORDS));
  }
  const description = cap(words.join(' ')) + '.';
  return `${itemId(k)},${title},${description},${main.category}`;
}

async function writeLines(path: string, lines: string[]): Promise<void> {
  const out = createWriteStream(path);
  out.end(lines.join('\n') + '\n');
  await once(out, 'finish');
}
