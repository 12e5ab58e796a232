import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassifierDetail, RunManifest } from '../../common/contracts/runs.ts';

interface StoredEvaluation {
  metrics: Record<string, number>;
  perClass: ClassifierDetail['perClass'];
  confidenceHistogram: { lo: number; hi: number; correct: number; wrong: number }[];
}

/** What the app shows of a classifier run: headline metrics before/after, confusion, per class, confidence. */
export function readClassifierDetail(dir: string, manifest: RunManifest): ClassifierDetail | null {
  const stageDir = join(dir, manifest.stages[0]?.name ?? '');
  const metricsFile = join(stageDir, 'metrics.json');
  const confusionFile = join(stageDir, 'confusion.json');
  if (!existsSync(metricsFile) || !existsSync(confusionFile)) return null;
  const m = JSON.parse(readFileSync(metricsFile, 'utf8')) as {
    model: string;
    labels: string[];
    test: StoredEvaluation;
    baseline: StoredEvaluation;
    candidates?: ClassifierDetail['candidates'];
  };
  const c = JSON.parse(readFileSync(confusionFile, 'utf8')) as { matrix: number[][] };
  return {
    model: m.model,
    labels: m.labels,
    metrics: m.test.metrics,
    baselineMetrics: m.baseline.metrics,
    confusion: c.matrix,
    perClass: m.test.perClass,
    confidence: { before: m.baseline.confidenceHistogram, after: m.test.confidenceHistogram },
    candidates: m.candidates ?? null,
  };
}
