import type { Settings } from '../../state/settings.ts';

/** The Train form's fields; `toConfig` turns them into the trainyard.yaml object the engine validates. */
export interface TrainForm {
  stages: string[];
  seed: number;
  split: string;
  als: { factors: number; regularization: number; alpha: number; iterations: number; confidence: 'linear' | 'log' };
  bayes: { m: number; minRatings: number };
  itemknn: { neighbours: number; shrink: number; similarity: 'cosine' | 'asymmetric'; alpha: number };
  ease: { lambda: number };
}

export const STAGE_CHOICES = [
  { id: 'popularity', label: 'Popularity (count)' },
  { id: 'bayes-popularity', label: 'Bayesian popularity' },
  { id: 'als', label: 'ALS (implicit feedback)' },
  { id: 'itemknn', label: 'ItemKNN (item neighbours)' },
  { id: 'ease', label: 'EASE (dense, up to 10k items)' },
  { id: 'semantic', label: 'Semantic index' },
  { id: 'hybrid', label: 'Hybrid (ALS + semantic)' },
] as const;

export const DEFAULT_FORM: TrainForm = {
  stages: ['popularity', 'bayes-popularity', 'als'],
  seed: 42,
  split: 'last1',
  als: { factors: 64, regularization: 0.01, alpha: 40, iterations: 15, confidence: 'linear' },
  bayes: { m: 10, minRatings: 1 },
  itemknn: { neighbours: 100, shrink: 10, similarity: 'cosine', alpha: 0.5 },
  ease: { lambda: 500 },
};

/** Field → message for every invalid field; empty when the form can be sent. */
export function validateForm(f: TrainForm): Record<string, string> {
  const errors: Record<string, string> = {};
  const int = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (f.stages.length === 0) errors.stages = 'choose at least one stage';
  if (f.stages.includes('hybrid') && !(f.stages.includes('als') && f.stages.includes('semantic'))) errors.stages = 'hybrid needs als and semantic';
  if (!int(f.seed, 0)) errors.seed = 'a whole number ≥ 0';
  if (!/^(last1|lastpct:(0?\.\d+|1(\.0+)?))$/.test(f.split)) errors.split = 'last1 or lastpct:<fraction>, e.g. lastpct:0.2';
  if (!int(f.als.factors, 1)) errors['als.factors'] = 'a whole number ≥ 1';
  if (!int(f.als.iterations, 1)) errors['als.iterations'] = 'a whole number ≥ 1';
  if (!(f.als.regularization >= 0)) errors['als.regularization'] = 'a number ≥ 0';
  if (!(f.als.alpha >= 0)) errors['als.alpha'] = 'a number ≥ 0';
  if (!(f.bayes.m >= 0)) errors['bayes.m'] = 'a number ≥ 0';
  if (!int(f.bayes.minRatings, 0)) errors['bayes.minRatings'] = 'a whole number ≥ 0';
  if (!int(f.itemknn.neighbours, 1)) errors['itemknn.neighbours'] = 'a whole number ≥ 1';
  if (!(f.itemknn.shrink >= 0)) errors['itemknn.shrink'] = 'a number ≥ 0';
  if (!(f.itemknn.alpha >= 0 && f.itemknn.alpha <= 1)) errors['itemknn.alpha'] = 'a number from 0 to 1';
  if (!(f.ease.lambda > 0)) errors['ease.lambda'] = 'a number > 0';
  return errors;
}

export function toConfig(f: TrainForm, settings: Settings): Record<string, unknown> {
  const config: Record<string, unknown> = { stages: f.stages, seed: f.seed, threads: settings.threads, split: { method: f.split } };
  if (f.stages.includes('semantic')) config.semantic = { provider: settings.embeddingProvider, ...(settings.embeddingModel ? { model: settings.embeddingModel } : {}) };
  if (f.stages.includes('als') || f.stages.includes('hybrid')) config.als = { ...f.als };
  if (f.stages.includes('bayes-popularity')) config['bayes-popularity'] = { ...f.bayes };
  if (f.stages.includes('itemknn')) config.itemknn = { ...f.itemknn };
  if (f.stages.includes('ease')) config.ease = { ...f.ease };
  return config;
}
