import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { csvField } from '../eval/report.ts';
import type { Split, TrainEvents } from '../eval/split.ts';
import { writeJson } from './registry.ts';

/**
 * The split of a run as open files in `<run>/split/`, so its metrics can be recomputed outside
 * the app:
 *   split.json  the dataset fingerprint, method, tie rule, seed, cutoff and counts
 *   train.csv   the training part: user,item,timestamp[,rating] (external ids, seconds)
 *   test.csv    every held-out event: user,item,timestamp[,rating],in_train
 * A user's test items are the distinct items of their test.csv rows with in_train = 0; rows with
 * in_train = 1 repeat an item of the user's training part, which the seen filter removes from every
 * ranking, so they are never hits and are not evaluated. Each model's top-K lists are in
 * `<run>/<model>/per_user.csv`.
 */

export const SPLIT_DIR = 'split';

export interface SplitDescription {
  dataset: { id: string; fingerprint: string };
  method: string;
  ties: Split['ties'];
  seed: number | null;
  /** test period start in seconds since the epoch; null without a global cutoff */
  cutoff: number | null;
  minUserEvents: number;
  counts: {
    users: number;
    items: number;
    trainEvents: number;
    testEvents: number;
    /** users with at least one new test item: the users every metric averages over */
    testUsers: number;
    skippedUsers: number;
    repeatOnlyUsers: number;
    repeatTestItems: number;
    droppedAfterCutoff: number;
    tiedBoundaryUsers: number;
  };
  files: { train: string; test: string };
  definition: string;
}

const DEFINITION =
  'train.csv is the training part: models are fitted on it and its (user, item) pairs are the seen filter, removed from every ranking. ' +
  "A user's test items are the distinct items of their test.csv rows with in_train = 0, with the largest rating as the graded gain; " +
  'only users with at least one test item are evaluated. Events of the dataset in neither file were at or after the cutoff in a training position (droppedAfterCutoff).';

/** Ratings are float32: print the shortest decimal that reads back as the same float32 (logs hold few distinct ratings). */
function ratingFormatter(): (value: number) => string {
  const cache = new Map<number, string>();
  return (value) => {
    let text = cache.get(value);
    if (text === undefined) cache.set(value, (text = String(Number(value.toPrecision(7)))));
    return text;
  };
}

function writeEvents(path: string, events: TrainEvents, userIds: readonly string[], itemIds: readonly string[], extra?: (row: number) => string): void {
  const header = ['user', 'item', 'timestamp', ...(events.rating ? ['rating'] : []), ...(extra ? ['in_train'] : [])];
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header.join(',') + '\n');
    const userCells = userIds.map(csvField);
    const itemCells = itemIds.map(csvField);
    const ratingText = ratingFormatter();
    const lines: string[] = [];
    for (let r = 0; r < events.user.length; r++) {
      let line = `${userCells[events.user[r]!]},${itemCells[events.item[r]!]},${events.ts[r]}`;
      if (events.rating) line += `,${ratingText(events.rating[r]!)}`;
      if (extra) line += `,${extra(r)}`;
      lines.push(line);
      if (lines.length === 8192) writeSync(fd, lines.splice(0).join('\n') + '\n');
    }
    if (lines.length > 0) writeSync(fd, lines.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
}

/** True when the user has the item in the training part (binary search in the user's sorted CSR row). */
function inTraining(split: Split, user: number, item: number): boolean {
  const { indptr, indices } = split.trainCsr;
  let lo = indptr[user]!;
  let hi = indptr[user + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (indices[mid]! < item) lo = mid + 1;
    else hi = mid;
  }
  return lo < indptr[user + 1]! && indices[lo] === item;
}

/** Writes `<runDir>/split/` and returns what split.json says. */
export function writeSplitArtifact(
  runDir: string,
  split: Split,
  ids: { userIds: readonly string[]; itemIds: readonly string[] },
  meta: { dataset: { id: string; fingerprint: string }; minUserEvents: number },
): SplitDescription {
  const dir = join(runDir, SPLIT_DIR);
  mkdirSync(dir, { recursive: true });
  const files = { train: 'train.csv', test: 'test.csv' };
  writeEvents(join(dir, files.train), split.train, ids.userIds, ids.itemIds);
  const log = split.testLog;
  writeEvents(join(dir, files.test), log, ids.userIds, ids.itemIds, (r) => (inTraining(split, log.user[r]!, log.item[r]!) ? '1' : '0'));
  const description: SplitDescription = {
    dataset: meta.dataset,
    method: split.method,
    ties: split.ties,
    seed: split.seed,
    cutoff: split.cutoff,
    minUserEvents: meta.minUserEvents,
    counts: {
      users: split.nUsers,
      items: split.nItems,
      trainEvents: split.train.user.length,
      testEvents: split.testEvents,
      testUsers: split.test.users.length,
      skippedUsers: split.skippedUsers,
      repeatOnlyUsers: split.repeatOnlyUsers,
      repeatTestItems: split.repeatTestItems,
      droppedAfterCutoff: split.droppedAfterCutoff,
      tiedBoundaryUsers: split.tiedBoundaryUsers,
    },
    files,
    definition: DEFINITION,
  };
  writeJson(join(dir, 'split.json'), description);
  return description;
}
