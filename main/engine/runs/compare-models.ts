import { parse } from 'csv-parse/sync';
import type { CompareArgs } from '../../common/contracts/api.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import type { MetricComparison, ModelComparison, RunManifest, RunMetrics } from '../../common/contracts/runs.ts';
import { EQUAL_WITH_ONE_TEST_ITEM, METRIC_DEFINITIONS } from '../eval/metric-definitions.ts';
import { holm, pairedTest } from '../eval/paired.ts';
import { readPerUserCsv } from '../eval/per-user.ts';
import { readManifest, readMetrics, resolveRunId, runDir } from './registry.ts';
import type { WorkspacePaths } from './workspace.ts';

/** Metric families compared, the headline first; the ones the Evaluate table shows. */
const FAMILIES = ['ndcg', 'recall', 'precision', 'map', 'mrr', 'hitrate'];
const ALPHA = 0.05;

/** "ndcg@10" → "NDCG@10" */
const metricLabel = (metric: string): string => {
  const [family, k] = metric.split('@');
  const name = METRIC_DEFINITIONS.find((d) => d.family === family)?.name ?? `${family}@K`;
  return name.replace(/@K$/, `@${k}`);
};
const fmt = (v: number): string => (Math.abs(v) >= 0.001 || v === 0 ? v.toFixed(4) : v.toPrecision(2));

interface Side {
  runId: string;
  model: string;
  label: string;
  manifest: RunManifest;
  metrics: RunMetrics;
}

function side(paths: WorkspacePaths, ref: { run: string; model: string }, which: 'a' | 'b'): Side {
  const runId = resolveRunId(paths, ref.run);
  const manifest = readManifest(paths, runId);
  const metrics = readMetrics(paths, runId);
  if (!metrics) throw new EngineError('invalid-input', `run ${runId} has no metrics to compare`, { field: `${which}.run`, run: runId });
  if (!metrics.models[ref.model]) {
    throw new EngineError('not-found', `run ${runId} has no model "${ref.model}"; its models: ${Object.keys(metrics.models).join(', ')}`, {
      field: `${which}.model`,
      run: runId,
    });
  }
  return { runId, model: ref.model, label: ref.model, manifest, metrics };
}

/** What the split of a run depends on: its settings (the seed only where it broke ties). */
function splitSettings(m: RunManifest): Record<string, unknown> {
  const params = (m.resolvedParams ?? {}) as { split?: Record<string, unknown>; seed?: unknown };
  const split = params.split ?? {};
  return { ...split, ...(split.ties === 'random' ? { seed: params.seed } : {}) };
}

/** What differs between two runs' data and split; empty when their per-user results can be paired. */
function dataDifferences(a: RunManifest, b: RunManifest): ModelComparison['differences'] {
  const facts = (m: RunManifest): Record<string, unknown> => ({
    fingerprint: m.dataset?.fingerprint ?? null,
    users: m.dataset?.users ?? null,
    items: m.dataset?.items ?? null,
    interactions: m.dataset?.interactions ?? null,
    ...Object.fromEntries(Object.entries(splitSettings(m)).map(([k, v]) => [`split.${k === 'seed' ? 'seed (breaks ties)' : k}`, v])),
    'split: test users': m.split?.testUsers ?? null,
    'split: training events': m.split?.trainEvents ?? null,
  });
  const fa = facts(a);
  const fb = facts(b);
  return [...new Set([...Object.keys(fa), ...Object.keys(fb)])]
    .map((key) => ({ key, a: JSON.stringify(fa[key] ?? null), b: JSON.stringify(fb[key] ?? null) }))
    .filter((d) => d.a !== d.b);
}

type PerUser = { users: string[]; nTest: number[]; columns: Map<string, number[]> };

function perUser(paths: WorkspacePaths, s: Side, metricNames: string[]): PerUser {
  const table = readPerUserCsv(runDir(paths, s.runId), s.runId, s.model);
  const rows = parse(table.csv, { columns: true }) as Record<string, string>[];
  const columns = new Map(metricNames.map((m) => [m, rows.map((r) => Number(r[m]))]));
  for (const [m, values] of columns) {
    if (values.some((v) => !Number.isFinite(v))) {
      throw new EngineError('invalid-input', `run ${s.runId}, model ${s.model}: per_user.csv has no usable ${m} column; re-evaluate the run`, {
        run: s.runId,
        field: 'model',
      });
    }
  }
  return { users: rows.map((r) => r.user!), nTest: rows.map((r) => Number(r.n_test)), columns };
}

function verdictFor(c: Omit<MetricComparison, 'verdict' | 'better'>, a: string, b: string): { better: 'a' | 'b' | null; verdict: string } {
  const name = metricLabel(c.metric);
  const interval = `[${fmt(c.ci95[0])}, ${fmt(c.ci95[1])}]`;
  const tSays = c.pTAdjusted < ALPHA;
  const wSays = c.pWilcoxonAdjusted < ALPHA;
  if (tSays && wSays && c.diff !== 0) {
    const better = c.diff > 0 ? 'b' : 'a';
    const [winner, loser] = better === 'b' ? [b, a] : [a, b];
    return {
      better,
      verdict: `${winner} beats ${loser} on ${name} by ${fmt(Math.abs(c.diff))} ${better === 'b' ? interval : `[${fmt(-c.ci95[1])}, ${fmt(-c.ci95[0])}]`}`,
    };
  }
  if (tSays || wSays) {
    return {
      better: null,
      verdict: `${name}: inconclusive, ${b} − ${a} = ${fmt(c.diff)} ${interval}; the t-test (p ${fmt(c.pTAdjusted)}) and the signed-rank test (p ${fmt(c.pWilcoxonAdjusted)}) disagree`,
    };
  }
  return { better: null, verdict: `no significant difference between ${b} and ${a} on ${name}: ${fmt(c.diff)} ${interval}` };
}

/**
 * Pairs two models' per-user results on the same users and tests the differences metric by
 * metric (paired t-test and Wilcoxon signed-rank, Holm-adjusted over the metrics compared). Two
 * runs are paired only when their dataset and split are equal; otherwise the comparison names
 * what differs and gives no test.
 */
export function compareModels(paths: WorkspacePaths, args: CompareArgs): ModelComparison {
  const a = side(paths, args.a, 'a');
  const b = side(paths, args.b, 'b');
  if (a.runId === b.runId && a.model === b.model)
    throw new EngineError('invalid-input', `both sides are ${a.model} of run ${a.runId}: pick two models, or two runs`, { field: 'b' });
  if (a.runId !== b.runId) {
    a.label = `${a.model} (${a.runId})`;
    b.label = `${b.model} (${b.runId})`;
  }
  const ks = a.metrics.ks.filter((k) => b.metrics.ks.includes(k));
  const k = args.k ?? (ks.includes(10) ? 10 : ks[0]);
  if (k === undefined || !ks.includes(k)) {
    throw new EngineError('invalid-input', `cut-off ${args.k ?? ''} is not evaluated in both runs; common cut-offs: ${ks.join(', ') || 'none'}`, {
      field: 'k',
    });
  }
  const metricNames = FAMILIES.map((f) => `${f}@${k}`);
  const base = {
    a: { run: a.runId, model: a.model, label: a.label },
    b: { run: b.runId, model: b.model, label: b.label },
    k,
    method: `paired t-test and Wilcoxon signed-rank test on per-user differences, Holm-adjusted over the metrics compared, α = ${ALPHA}`,
  };
  const differences = a.runId === b.runId ? [] : dataDifferences(a.manifest, b.manifest);
  const notPaired = (why: string, diffs: ModelComparison['differences']): ModelComparison => ({
    ...base,
    comparable: false,
    differences: diffs,
    users: 0,
    metrics: [],
    sameAs: {},
    verdict: `not comparable: ${why}; no paired test (${metricLabel(metricNames[0]!)} ${fmt(a.metrics.models[a.model]![metricNames[0]!] ?? NaN)} vs ${fmt(b.metrics.models[b.model]![metricNames[0]!] ?? NaN)})`,
  });
  if (differences.length) return notPaired(`the runs differ in ${differences.map((d) => d.key).join(', ')}`, differences);

  const pa = perUser(paths, a, metricNames);
  const pb = perUser(paths, b, metricNames);
  const rowOfB = new Map(pb.users.map((u, r) => [u, r]));
  const sameUsers = pa.users.length === pb.users.length && pa.users.every((u) => rowOfB.has(u));
  if (!sameUsers) {
    return notPaired('the models were evaluated on different users', [{ key: 'evaluated users', a: String(pa.users.length), b: String(pb.users.length) }]);
  }
  const order = pa.users.map((u) => rowOfB.get(u)!);
  const oneTestItem = pa.nTest.every((n) => n === 1);
  const sameAs: Record<string, string> = {};
  const compared = metricNames.filter((m) => {
    const family = m.split('@')[0]!;
    if (oneTestItem && EQUAL_WITH_ONE_TEST_ITEM[family]) {
      sameAs[m] = `${EQUAL_WITH_ONE_TEST_ITEM[family]}@${k}`;
      return false;
    }
    return true;
  });
  const tests = compared.map((m) => {
    const va = pa.columns.get(m)!;
    const vbAll = pb.columns.get(m)!;
    return {
      metric: m,
      test: pairedTest(
        va,
        order.map((r) => vbAll[r]!),
      ),
    };
  });
  const tAdjusted = holm(tests.map((t) => t.test.pT));
  const wAdjusted = holm(tests.map((t) => t.test.pWilcoxon));
  const metrics = tests.map(({ metric, test }, i): MetricComparison => {
    const c = {
      metric,
      a: test.meanA,
      b: test.meanB,
      diff: test.diff,
      ci95: test.ci95,
      pT: test.pT,
      pWilcoxon: test.pWilcoxon,
      pTAdjusted: tAdjusted[i]!,
      pWilcoxonAdjusted: wAdjusted[i]!,
    };
    return { ...c, ...verdictFor(c, a.label, b.label) };
  });
  return { ...base, comparable: true, differences: [], users: pa.users.length, metrics, sameAs, verdict: metrics[0]!.verdict };
}
