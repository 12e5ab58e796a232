import type { Settings } from '../../state/settings.ts';

/** The Train form's fields; `toConfig` turns them into the trainyard.yaml object the engine validates. */
export interface TrainForm {
  stages: string[];
  seed: number;
  /** split.method: last1 or lastpct:<fraction> */
  split: string;
  /** split.cutoff: an ISO date or epoch seconds; '' for none */
  cutoff: string;
  minUserEvents: number;
  /** eval.ks as typed, e.g. "5, 10, 20" */
  ks: string;
  als: { factors: number; regularization: number; alpha: number; iterations: number; confidence: 'linear' | 'log' };
  bayes: { m: number; minRatings: number };
  itemknn: { neighbours: number; shrink: number; similarity: 'cosine' | 'asymmetric'; alpha: number };
  ease: { lambda: number };
  semantic: { template: string };
  /** the CF model blended with semantic scores, and its weight; null: tuned on a validation split */
  hybrid: { cf: HybridCf; weight: number | null };
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
  { id: 'hybrid', label: 'Hybrid (CF + semantic)' },
] as const;

/** The engine's hybrid.cf choices (HYBRID_CF in main/engine/config/schema.ts), checked to agree by tests/unit/config.test.ts. */
export const HYBRID_CF_CHOICES = [
  { id: 'als', label: 'ALS' },
  { id: 'itemknn', label: 'ItemKNN' },
  { id: 'ease', label: 'EASE' },
] as const;
export type HybridCf = (typeof HYBRID_CF_CHOICES)[number]['id'];

/**
 * The engine's upper bounds (LIMITS in main/engine/config/schema.ts; the renderer cannot import it at
 * run time), checked to agree with it by tests/unit/config.test.ts.
 */
export const FORM_LIMITS = {
  threads: 64,
  factors: 1024,
  iterations: 1000,
  neighbours: 10000,
  k: 1000,
  minUserEvents: 1000,
  trials: 1000,
} as const;

/** Stages a stage needs trained beside it: ticking it ticks them, unticking one of them unticks it. */
function needs(stage: string, hybridCf: HybridCf): string[] {
  return stage === 'hybrid' ? [hybridCf, 'semantic'] : [];
}

/** The stage list after ticking or unticking `id`, dependencies kept consistent. */
export function toggleStage(stages: string[], id: string, hybridCf: HybridCf): string[] {
  if (stages.includes(id)) return stages.filter((s) => s !== id && !needs(s, hybridCf).includes(id));
  const added = [id, ...needs(id, hybridCf)].filter((s) => !stages.includes(s));
  return STAGE_CHOICES.map((c) => c.id).filter((s) => stages.includes(s) || added.includes(s));
}

/** The form with another CF model for the hybrid blend; that model is ticked as a stage when hybrid is. */
export function withHybridCf(form: TrainForm, cf: HybridCf): TrainForm {
  const hybrid = { ...form.hybrid, cf };
  if (!form.stages.includes('hybrid') || form.stages.includes(cf)) return { ...form, hybrid };
  return { ...form, hybrid, stages: STAGE_CHOICES.map((c) => c.id).filter((s) => form.stages.includes(s) || s === cf) };
}

const DEFAULT_KS = '5, 10, 20, 50, 100';
const DEFAULT_TEMPLATE = '{title}. {description}';

/** Stages whose params the engine can tune (engine/tune/space.ts). */
const TUNABLE = new Set(['als', 'itemknn', 'ease']);

export const DEFAULT_FORM: TrainForm = {
  stages: ['popularity', 'bayes-popularity', 'als'],
  seed: 42,
  split: 'last1',
  cutoff: '',
  minUserEvents: 2,
  ks: DEFAULT_KS,
  als: { factors: 64, regularization: 0.01, alpha: 40, iterations: 15, confidence: 'linear' },
  bayes: { m: 10, minRatings: 1 },
  itemknn: { neighbours: 100, shrink: 10, similarity: 'cosine', alpha: 0.5 },
  ease: { lambda: 500 },
  semantic: { template: DEFAULT_TEMPLATE },
  hybrid: { cf: 'als', weight: null },
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
    semantic: { ...base.semantic, ...patch.semantic },
    hybrid: { ...base.hybrid, ...patch.hybrid },
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
  const split = section<{ method: string; cutoff: string | number | null; minUserEvents: number }>('split');
  const ks = section<{ ks: number[] }>('eval').ks;
  const { weight, cf } = section<{ weight: number | null; cf: string }>('hybrid');
  return {
    stages,
    seed: typeof p.seed === 'number' ? p.seed : DEFAULT_FORM.seed,
    split: typeof split.method === 'string' ? split.method : DEFAULT_FORM.split,
    cutoff: split.cutoff === null || split.cutoff === undefined ? '' : String(split.cutoff),
    minUserEvents: typeof split.minUserEvents === 'number' ? split.minUserEvents : DEFAULT_FORM.minUserEvents,
    ks: Array.isArray(ks) ? ks.join(', ') : DEFAULT_FORM.ks,
    als: pick(DEFAULT_FORM.als, section('als')),
    bayes: pick(DEFAULT_FORM.bayes, section('bayes-popularity')),
    itemknn: pick(DEFAULT_FORM.itemknn, section('itemknn')),
    ease: pick(DEFAULT_FORM.ease, section('ease')),
    semantic: pick(DEFAULT_FORM.semantic, section('semantic')),
    hybrid: {
      cf: HYBRID_CF_CHOICES.find((c) => c.id === cf)?.id ?? DEFAULT_FORM.hybrid.cf,
      weight: typeof weight === 'number' ? weight : null,
    },
    tune: { ...DEFAULT_FORM.tune },
  };
}

/** The K values typed, sorted and without repeats; null when one is not a whole number from 1 to the limit. */
export function parseKs(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter((t) => t !== '');
  const ks = parts.map(Number);
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1 || k > FORM_LIMITS.k)) return null;
  return [...new Set(ks)].sort((a, b) => a - b);
}

/** split.cutoff as the engine takes it: epoch seconds, an ISO date string, or null for none. */
function cutoffValue(text: string): string | number | null {
  const t = text.trim();
  return t === '' ? null : /^\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/** Field → message for every invalid field; empty when the form can be sent. */
export function validateForm(f: TrainForm): Record<string, string> {
  const errors: Record<string, string> = {};
  const int = (v: number, min: number, max = Infinity) => Number.isInteger(v) && v >= min && v <= max;
  const wholeIn = (min: number, max: number) => `a whole number from ${min} to ${max.toLocaleString('en-US')}`;
  if (f.stages.length === 0) errors.stages = 'choose at least one stage';
  if (f.stages.includes('hybrid') && !(f.stages.includes(f.hybrid.cf) && f.stages.includes('semantic')))
    errors.stages = `hybrid needs ${f.hybrid.cf} and semantic`;
  if (!int(f.seed, 0, Number.MAX_SAFE_INTEGER)) errors.seed = 'a whole number ≥ 0';
  if (!/^(last1|lastpct:0?\.\d*[1-9]\d*)$/.test(f.split)) errors.split = 'a fraction between 0 and 1, e.g. 0.2';
  const cutoff = f.cutoff.trim();
  if (cutoff !== '' && !/^\d+(\.\d+)?$/.test(cutoff) && !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(cutoff))
    errors.cutoff = 'a date like 2024-03-01 (or 2024-03-01T12:00), epoch seconds, or empty';
  if (!int(f.minUserEvents, 2, FORM_LIMITS.minUserEvents)) errors.minUserEvents = wholeIn(2, FORM_LIMITS.minUserEvents);
  if (parseKs(f.ks) === null) errors.ks = `whole numbers from 1 to ${FORM_LIMITS.k.toLocaleString('en-US')}, e.g. 5, 10, 20`;
  if (!int(f.als.factors, 1, FORM_LIMITS.factors)) errors['als.factors'] = wholeIn(1, FORM_LIMITS.factors);
  if (!int(f.als.iterations, 1, FORM_LIMITS.iterations)) errors['als.iterations'] = wholeIn(1, FORM_LIMITS.iterations);
  if (!(f.als.regularization >= 0)) errors['als.regularization'] = 'a number ≥ 0';
  if (!(f.als.alpha >= 0)) errors['als.alpha'] = 'a number ≥ 0';
  if (!(f.bayes.m >= 0)) errors['bayes.m'] = 'a number ≥ 0';
  if (!int(f.bayes.minRatings, 0)) errors['bayes.minRatings'] = 'a whole number ≥ 0';
  if (!int(f.itemknn.neighbours, 1, FORM_LIMITS.neighbours)) errors['itemknn.neighbours'] = wholeIn(1, FORM_LIMITS.neighbours);
  if (!(f.itemknn.shrink >= 0)) errors['itemknn.shrink'] = 'a number ≥ 0';
  if (!(f.itemknn.alpha >= 0 && f.itemknn.alpha <= 1)) errors['itemknn.alpha'] = 'a number from 0 to 1';
  if (!(f.ease.lambda > 0)) errors['ease.lambda'] = 'a number > 0';
  if (f.stages.includes('semantic') && f.semantic.template.trim() === '') errors['semantic.template'] = 'a text with {column} placeholders, e.g. {title}';
  if (f.hybrid.weight !== null && !(f.hybrid.weight >= 0 && f.hybrid.weight <= 1)) errors['hybrid.weight'] = 'a number from 0 to 1, or empty to tune it';
  if (f.tune.enabled) {
    if (!int(f.tune.trials, 1, FORM_LIMITS.trials)) errors['tune.trials'] = wholeIn(1, FORM_LIMITS.trials);
    if (f.tune.minutes !== null && !(f.tune.minutes > 0)) errors['tune.minutes'] = 'a number of minutes > 0, or empty for no limit';
    if (!f.stages.some((s) => TUNABLE.has(s))) errors['tune.trials'] = 'tuning needs ALS, ItemKNN or EASE among the stages';
  }
  return errors;
}

export function toConfig(f: TrainForm, settings: Settings): Record<string, unknown> {
  // Settings left at their defaults are not sent, so a run's given config names only what was chosen.
  const cutoff = cutoffValue(f.cutoff);
  const split = {
    method: f.split,
    ...(cutoff !== null ? { cutoff } : {}),
    ...(f.minUserEvents !== DEFAULT_FORM.minUserEvents ? { minUserEvents: f.minUserEvents } : {}),
  };
  const config: Record<string, unknown> = { stages: f.stages, seed: f.seed, threads: settings.threads, split };
  const ks = parseKs(f.ks);
  if (ks && ks.join() !== parseKs(DEFAULT_KS)!.join()) config.eval = { ks };
  if (f.stages.includes('semantic'))
    config.semantic = {
      provider: settings.embeddingProvider,
      ...(settings.embeddingModel ? { model: settings.embeddingModel } : {}),
      ...(f.semantic.template !== DEFAULT_TEMPLATE ? { template: f.semantic.template } : {}),
    };
  // the form is sent only when hybrid's CF model is among the stages (validateForm), so its params go with it
  const blend = { ...(f.hybrid.cf !== DEFAULT_FORM.hybrid.cf ? { cf: f.hybrid.cf } : {}), ...(f.hybrid.weight !== null ? { weight: f.hybrid.weight } : {}) };
  if (f.stages.includes('hybrid') && Object.keys(blend).length) config.hybrid = blend;
  if (f.stages.includes('als')) config.als = { ...f.als };
  if (f.stages.includes('bayes-popularity')) config['bayes-popularity'] = { ...f.bayes };
  if (f.stages.includes('itemknn')) config.itemknn = { ...f.itemknn };
  if (f.stages.includes('ease')) config.ease = { ...f.ease };
  if (f.tune.enabled) config.tune = { stages: 'auto', trials: f.tune.trials, seconds: f.tune.minutes === null ? null : f.tune.minutes * 60 };
  return config;
}
