import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import type { OutsideListReport } from '../../common/contracts/runs.ts';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import { detectLayout } from '../data/layout.ts';
import { openRecords } from '../data/records.ts';
import type { TaskContext } from '../common/task-context.ts';
import type { Scorer } from '../recsys/scorer.ts';
import type { Split } from './split.ts';

/**
 * Top-K lists made by another tool, read from a file (CSV/TSV, JSON lines or Parquet) with columns
 * user, item and rank (lower is better) or score (higher is better), in external ids, and resolved
 * against a run's split. Every row is accounted for in the report: unknown users and items,
 * users that have no test item, repeated items, items of the user's training part (the seen filter
 * removes them, as for every model), items past the largest cut-off, test users without a list and
 * lists shorter than K.
 */

/** Outside models are named `external:<name>`; their files live in `<run>/external/<name>/`. */
export const EXTERNAL_PREFIX = 'external:';

export function externalFolder(runDir: string, name: string): string {
  return join(runDir, 'external', name);
}

export interface OutsideLists {
  /** per test row t (split.test.users[t]): the user's items, best first, at most k */
  lists: (Int32Array | undefined)[];
  report: OutsideListReport;
}

const EXAMPLES = 5;

function findColumn(columns: readonly string[], name: string): number {
  return columns.findIndex((c) => c.trim().toLowerCase() === name);
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function readOutsideLists(
  path: string,
  run: { split: Split; userIds: readonly string[]; itemIds: readonly string[]; k: number },
  ctx: TaskContext,
): Promise<OutsideLists> {
  const { split, k } = run;
  const file = basename(path);
  const layout = await detectLayout(path);
  const reader = await openRecords(path, layout);
  const userAt = findColumn(reader.columns, 'user');
  const itemAt = findColumn(reader.columns, 'item');
  const rankAt = findColumn(reader.columns, 'rank');
  const order: OutsideListReport['order'] = rankAt >= 0 ? 'rank' : 'score';
  const keyAt = rankAt >= 0 ? rankAt : findColumn(reader.columns, 'score');
  if (userAt < 0 || itemAt < 0 || keyAt < 0) {
    await reader.close();
    throw new EngineError(
      'invalid-input',
      `${file}: recommendations need the columns user, item and rank or score; the file has ${reader.columns.join(', ') || 'no columns'}`,
      {
        file: path,
        line: 1,
        hint: 'one row per recommended item: user,item,rank (1 = best) or user,item,score (higher = better), with the ids of the dataset',
      },
    );
  }
  const userIndex = new Map(run.userIds.map((id, u) => [id, u]));
  const itemIndex = new Map(run.itemIds.map((id, i) => [id, i]));
  const testRow = new Map<number, number>();
  split.test.users.forEach((u, t) => testRow.set(u, t));

  // rows of test users, in file order: test row, item (−1 unknown), sort key (ascending = better)
  const kept = { row: new Growing((n) => new Int32Array(n)), item: new Growing((n) => new Int32Array(n)), key: new Growing((n) => new Float64Array(n)) };
  const fileUsers = new Set<string>();
  const unknownUsers = new Set<string>();
  const notTestUsers = new Set<number>();
  const report: OutsideListReport = {
    file,
    sha256: '',
    order,
    rows: 0,
    users: 0,
    k,
    unknownUsers: { users: 0, rows: 0, examples: [] },
    unknownItems: { rows: 0, examples: [] },
    notTestUsers: { users: 0, rows: 0 },
    duplicates: 0,
    seenItems: 0,
    beyondK: 0,
    missingUsers: 0,
    shortLists: 0,
  };
  const where = reader.position === 'line' ? 'line' : 'row';
  try {
    for await (const batch of reader.batches) {
      throwIfCancelled(ctx.signal);
      batch.rows.forEach((cells, r) => {
        const line = batch.lines[r]!;
        const user = (cells[userAt] ?? '').trim();
        const item = (cells[itemAt] ?? '').trim();
        const keyText = (cells[keyAt] ?? '').trim();
        const key = Number(keyText);
        if (user === '' || item === '' || keyText === '' || !Number.isFinite(key)) {
          const column = user === '' ? 'user' : item === '' ? 'item' : order;
          throw new EngineError('invalid-input', `${file} ${where} ${line}: ${column} ${column === order ? `"${keyText}" is not a number` : 'is empty'}`, {
            file: path,
            line,
            column,
            hint: `every row needs a user, an item and a numeric ${order}`,
          });
        }
        report.rows++;
        fileUsers.add(user);
        const u = userIndex.get(user);
        if (u === undefined) {
          if (!unknownUsers.has(user) && unknownUsers.size < EXAMPLES) report.unknownUsers.examples.push(user);
          unknownUsers.add(user);
          report.unknownUsers.rows++;
          return;
        }
        const t = testRow.get(u);
        if (t === undefined) {
          notTestUsers.add(u);
          report.notTestUsers.rows++;
          return;
        }
        const i = itemIndex.get(item);
        if (i === undefined) {
          if (report.unknownItems.examples.length < EXAMPLES && !report.unknownItems.examples.includes(item)) report.unknownItems.examples.push(item);
          report.unknownItems.rows++;
        }
        // rank: ascending; score: descending
        kept.row.push(t);
        kept.item.push(i ?? -1);
        kept.key.push(order === 'rank' ? key : -key);
      });
      ctx.progress({ stage: 'read recommendations', current: Math.round(reader.done() * 1000), total: 1000, unit: 'permille' });
    }
  } finally {
    await reader.close();
  }
  report.users = fileUsers.size;
  report.unknownUsers.users = unknownUsers.size;
  report.notTestUsers.users = notTestUsers.size;
  report.sha256 = await sha256(path);

  const { indptr, indices } = split.trainCsr;
  const nTest = split.test.users.length;
  const rowOf = kept.row.view();
  const itemOf = kept.item.view();
  const keyOf = kept.key.view();
  // file rows grouped by test row (counting sort keeps file order), then each group by key
  const start = new Int32Array(nTest + 1);
  for (const t of rowOf) start[t + 1]!++;
  for (let t = 0; t < nTest; t++) start[t + 1]! += start[t]!;
  const fill = start.slice(0, nTest);
  const byUser = new Int32Array(rowOf.length);
  rowOf.forEach((t, r) => (byUser[fill[t]!++] = r));
  const placed = new Int32Array(run.itemIds.length).fill(-1);
  const lists = Array.from({ length: nTest }, (_, t): Int32Array | undefined => {
    const rows = byUser.subarray(start[t]!, start[t + 1]!);
    if (rows.length === 0) {
      report.missingUsers++;
      return undefined;
    }
    const u = split.test.users[t]!;
    for (let p = indptr[u]!; p < indptr[u + 1]!; p++) placed[indices[p]!] = -2 - t;
    rows.sort((a, b) => keyOf[a]! - keyOf[b]! || a - b);
    const list: number[] = [];
    for (const r of rows) {
      const item = itemOf[r]!;
      if (item < 0) continue;
      if (placed[item] === t) report.duplicates++;
      else if (placed[item] === -2 - t) report.seenItems++;
      else if (list.length === k) {
        placed[item] = t;
        report.beyondK++;
      } else {
        placed[item] = t;
        list.push(item);
      }
    }
    if (list.length < k) report.shortLists++;
    return Int32Array.from(list);
  });
  return { lists, report };
}

/** A typed array that grows by doubling: a file's rows without an object per row. */
class Growing<T extends Int32Array | Float64Array> {
  private readonly make: (n: number) => T;
  private data: T;
  private length = 0;
  constructor(make: (n: number) => T) {
    this.make = make;
    this.data = make(1024);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** Scores each test user's outside list by its order (k, k−1, …); every other item is never recommended. */
export function outsideListScorer(split: Split, lists: readonly (Int32Array | undefined)[]): Scorer {
  const nItems = split.nItems;
  const rowOf = new Map<number, number>();
  split.test.users.forEach((u, t) => rowOf.set(u, t));
  return {
    nItems,
    scoreUsers(users, out) {
      out.fill(-Infinity, 0, users.length * nItems);
      users.forEach((u, r) => {
        const t = rowOf.get(u);
        const list = t === undefined ? undefined : lists[t];
        if (list) list.forEach((item, p) => (out[r * nItems + item] = list.length - p));
      });
    },
  };
}
