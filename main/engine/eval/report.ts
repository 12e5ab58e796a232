import { closeSync, openSync, writeSync } from 'node:fs';
import { EngineError } from '../../common/contracts/errors.ts';
import type { RunMetrics } from '../../common/contracts/runs.ts';
import type { ModelEvaluation } from './evaluate.ts';
import { SEGMENTS } from './segments.ts';
import type { TestSets } from './split.ts';

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Writes one row per evaluated user: user (external id), n_test, n_train, segment, every per-user
 * metric column of the evaluation, then test_items (the user's test items) and top_items (the
 * model's ranked list, best first, max K long after the seen filter): JSON arrays of external item
 * ids, so any id survives (pandas: `df.top_items.map(json.loads)`).
 */
export function writePerUserCsv(path: string, evaluation: ModelEvaluation, test: TestSets, userIds: readonly string[], itemIds: readonly string[]): void {
  const { perUser, metricNames, ks } = evaluation;
  const stride = metricNames.length;
  const maxK = ks[ks.length - 1]!;
  const idList = (items: ArrayLike<number>): string => {
    const ids: string[] = [];
    for (let p = 0; p < items.length && items[p]! >= 0; p++) ids.push(itemIds[items[p]!]!);
    return csvField(JSON.stringify(ids));
  };
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, ['user', 'n_test', 'n_train', 'segment', ...metricNames, 'test_items', 'top_items'].map(csvField).join(',') + '\n');
    const chunk: string[] = [];
    for (let t = 0; t < perUser.users.length; t++) {
      const cells = [csvField(userIds[perUser.users[t]!] ?? String(perUser.users[t])), perUser.nTest[t], perUser.nTrain[t], SEGMENTS[perUser.segment[t]!]];
      for (let c = 0; c < stride; c++) cells.push(perUser.values[t * stride + c]);
      cells.push(idList(test.items.subarray(test.indptr[t]!, test.indptr[t + 1]!)), idList(perUser.topItems.subarray(t * maxK, (t + 1) * maxK)));
      chunk.push(cells.join(','));
      if (chunk.length === 4096) writeSync(fd, chunk.splice(0).join('\n') + '\n');
    }
    if (chunk.length > 0) writeSync(fd, chunk.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
}

/** The metrics.json of a run from the evaluations of its models (all on the same split and ks). */
export function toRunMetrics(evaluations: Record<string, ModelEvaluation>): RunMetrics {
  const entries = Object.entries(evaluations);
  const first = entries[0]?.[1];
  if (!first) throw new EngineError('invalid-input', 'no model was evaluated: enable at least one model stage', { field: 'models' });
  const result: RunMetrics = { ks: first.ks, models: {}, intervals: {}, segments: {}, users: first.users };
  for (const [model, e] of entries) {
    if (e.ks.join() !== first.ks.join() || e.users.evaluated !== first.users.evaluated) {
      throw new EngineError('invalid-input', `model "${model}" was evaluated with other cut-offs or users than the others; evaluate all models on one split`, {
        field: 'models',
      });
    }
    result.models[model] = e.metrics;
    result.intervals[model] = e.intervals;
    result.segments[model] = e.segments;
  }
  return result;
}
