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
  /** tune the chosen stages' params on a validation split first; minutes null: no time limit */
  tune: { enabled: boolean; trials: number; minutes: number | null };
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

/** Stages whose params the engine can tune (engine/tune/space.ts). */
const TUNABLE = new Set(['als', 'itemknn', 'ease']);

export const DEFAULT_FORM: TrainForm = {
  stages: ['popularity', 'bayes-popularity', 'als'],
  seed: 42,
  split: 'last1',
  als: { factors: 64, regularization: 0.01, alpha: 40, iterations: 15, confidence: 'linear' },
  bayes: { m: 10, minRatings: 1 },
  itemknn: { neighbours: 100, shrink: 10, similarity: 'cosine', alpha: 0.5 },
  ease: { lambda: 500 },
  tune: { enabled: false, trials: 20, minutes: null },
};

const FORM_KEY = 'trainyard.trainForm';

/** The last form sent from this browser profile for this workspace, or the defaults. */
export function loadForm(workspace: string, storage: Storage = localStorage): TrainForm {
  try {
    const saved = JSON.parse(storage.getItem(`${FORM_KEY}:${workspace}`) ?? 'null') as Partial<TrainForm> | null;
    return saved ? mergeForm(DEFAULT_FORM, saved) : DEFAULT_FORM;
  } catch {
    return DEFAULT_FORM;
  }
}

export function saveForm(workspace: string, form: TrainForm, storage: Storage = localStorage): void {
  storage.setItem(`${FORM_KEY}:${workspace}`, JSON.stringify(form));
}

function mergeForm(base: TrainForm, patch: Partial<TrainForm>): TrainForm {
  return {
    ...base,
    ...patch,
    als: { ...base.als, ...patch.als },
    bayes: { ...base.bayes, ...patch.bayes },
    itemknn: { ...base.itemknn, ...patch.itemknn },
    ease: { ...base.ease, ...patch.ease },
    tune: { ...base.tune, ...patch.tune },
  };
}

/** The form that trains again with a run's resolved settings (tuned params included; no new tuning). */
export function formFromRun(resolvedParams: unknown): TrainForm {
  const p = (resolvedParams ?? {}) as Record<string, unknown>;
  const section = <T extends object>(key: string): Partial<T> => (typeof p[key] === 'object' && p[key] !== null ? (p[key] as Partial<T>) : {});
  const known = new Set<string>(STAGE_CHOICES.map((s) => s.id));
  const stages = Array.isArray(p.stages) ? (p.stages as unknown[]).filter((s): s is string => typeof s === 'string' && known.has(s)) : DEFAULT_FORM.stages;
  const pick = <T extends object>(defaults: T, values: Partial<T>): T =>
    Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, (values as Record<string, unknown>)[k] ?? v])) as T;
  return {
    stages,
    seed: typeof p.seed === 'number' ? p.seed : DEFAULT_FORM.seed,
    split: typeof section<{ method: string }>('split').method === 'string' ? section<{ method: string }>('split').method! : DEFAULT_FORM.split,
    als: pick(DEFAULT_FORM.als, section('als')),
    bayes: pick(DEFAULT_FORM.bayes, section('bayes-popularity')),
    itemknn: pick(DEFAULT_FORM.itemknn, section('itemknn')),
    ease: pick(DEFAULT_FORM.ease, section('ease')),
    tune: { ...DEFAULT_FORM.tune },
  };
}

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
  if (f.tune.enabled) {
    if (!(Number.isInteger(f.tune.trials) && f.tune.trials >= 1 && f.tune.trials <= 1000)) errors['tune.trials'] = 'a whole number from 1 to 1000';
    if (f.tune.minutes !== null && !(f.tune.minutes > 0)) errors['tune.minutes'] = 'a number of minutes > 0, or empty for no limit';
    if (!f.stages.some((s) => TUNABLE.has(s))) errors['tune.trials'] = 'tuning needs ALS, ItemKNN or EASE among the stages';
  }
  return errors;
}

export function toConfig(f: TrainForm, settings: Settings): Record<string, unknown> {
  const config: Record<string, unknown> = { stages: f.stages, seed: f.seed, threads: settings.threads, split: { method: f.split } };
  if (f.stages.includes('semantic'))
    config.semantic = { provider: settings.embeddingProvider, ...(settings.embeddingModel ? { model: settings.embeddingModel } : {}) };
  if (f.stages.includes('als') || f.stages.includes('hybrid')) config.als = { ...f.als };
  if (f.stages.includes('bayes-popularity')) config['bayes-popularity'] = { ...f.bayes };
  if (f.stages.includes('itemknn')) config.itemknn = { ...f.itemknn };
  if (f.stages.includes('ease')) config.ease = { ...f.ease };
  if (f.tune.enabled) config.tune = { stages: 'auto', trials: f.tune.trials, seconds: f.tune.minutes === null ? null : f.tune.minutes * 60 };
  return config;
}
