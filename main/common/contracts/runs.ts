import type { EngineErrorData } from './errors.ts';

/** `interrupted`: the process that ran it ended (killed, crashed, power loss) before the run finished. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
export type StageStatus = 'pending' | 'running' | 'succeeded' | 'cached' | 'failed' | 'cancelled' | 'skipped';

/** Metric name (e.g. "ndcg@10") → value; intervals as "<name>_ci95" pairs in `intervals`. */
export interface ModelMetrics {
  [metric: string]: number;
}

export interface StageRecord {
  name: string;
  status: StageStatus;
  /** hash of the stage's inputs and params; equal keys reuse the artifact */
  cacheKey?: string;
  /** run whose artifact this stage reused, when cached */
  cachedFrom?: string;
  seconds?: number;
  /** what really ran: e.g. { provider: 'builtin', device: 'cpu', threads: 2 } */
  effective?: Record<string, unknown>;
  error?: EngineErrorData;
}

export type RunKind = 'recommender' | 'classifier';

/** The process doing long work (a run, a staged import), told apart from a later process with the same pid. */
export interface ProcessOwner {
  pid: number;
  host: string;
  /** the process's start as the OS reports it (Linux: boot id and start tick); '' when it cannot be read */
  started: string;
  /** the thread of that process (worker_threads threadId; 0: main thread) */
  thread?: number;
}

export interface RunManifest {
  runId: string;
  /** absent in recommender runs */
  kind?: RunKind;
  status: RunStatus;
  /** the user's name or note for the run (runs.note) */
  note?: string;
  createdAt: string;
  finishedAt?: string;
  /** the process that created the run; a `running` run whose owner is gone is marked `interrupted` */
  owner?: ProcessOwner;
  packageVersion: string;
  /** the config as given (after --set overrides) */
  config: unknown;
  /** the config with every default filled in */
  resolvedParams: unknown;
  dataset: { id: string; fingerprint: string; users: number; items: number; interactions: number } | null;
  split: {
    method: string;
    /** tie rule at each user's boundary (absent in runs made before tie rules: ties went by log order) */
    ties?: 'random' | 'all';
    /** the seed that broke ties (random rule), null under all */
    seed?: number | null;
    /** users whose boundary fell between events with equal timestamps */
    tiedBoundaryUsers?: number;
    trainEvents: number;
    testUsers: number;
    /** users with too little history, kept in training only */
    skippedUsers: number;
    /** users whose every test item was already in their training part */
    repeatOnlyUsers: number;
    /** training events at or after the global cutoff */
    droppedAfterCutoff: number;
  } | null;
  stages: StageRecord[];
  /** set when params were tuned before training, with every trial */
  tuning?: RunTuning;
  /** training seconds per stage (evaluation excluded) */
  timings: Record<string, number>;
  error?: EngineErrorData;
}

export interface RunSummary {
  runId: string;
  /** 'recommender' also for a damaged run, whose kind cannot be read */
  kind: RunKind;
  /** damaged: its manifest.json or metrics.json cannot be read; `error` names the file */
  status: RunStatus | 'damaged';
  note?: string;
  /** what the run trained on; null for a catalogue-only run, absent when damaged */
  dataset?: RunManifest['dataset'];
  createdAt: string;
  finishedAt?: string;
  stages: string[];
  isLatest: boolean;
  /** headline metrics per model, e.g. { als: { "ndcg@10": 0.12 } } */
  metrics: Record<string, ModelMetrics>;
  error?: EngineErrorData;
}

export interface RunDetail {
  manifest: RunManifest;
  metrics: RunMetrics | null;
  /** set for classifier runs */
  classifier?: ClassifierDetail | null;
  isLatest: boolean;
}

export interface ClassifierDetail {
  model: string;
  labels: string[];
  /** test metrics of the trained model: accuracy, macro_f1, ece, mean_confidence, … */
  metrics: Record<string, number>;
  /** the same metrics of the untrained model: the "before" of before → after */
  baselineMetrics: Record<string, number>;
  /** rows: true label, columns: predicted label, in `labels` order */
  confusion: number[][];
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
  /** predicted-class confidence histograms of the test set, split into right and wrong */
  confidence: { before: ConfidenceBin[]; after: ConfidenceBin[] };
  /** model auto: every model it tried, and which it chose ("why this model"); null otherwise */
  candidates?: ClassifierCandidate[] | null;
}

/** One model `auto` considered: its validation scores and training time, or why it was skipped. */
export interface ClassifierCandidate {
  model: 'linear' | 'fasttext' | 'encoder';
  /** the sentence encoder of an encoder model */
  encoder?: string;
  status: 'trained' | 'skipped';
  /** accuracy, macro_f1 and loss on the validation part */
  validation?: { accuracy: number; macro_f1: number; loss: number };
  seconds: number;
  /** why it was skipped */
  reason?: string;
  chosen: boolean;
}

export interface ConfidenceBin {
  lo: number;
  hi: number;
  correct: number;
  wrong: number;
}

/** metrics.json of a run. */
export interface RunMetrics {
  ks: number[];
  /** model → metric → mean value */
  models: Record<string, ModelMetrics>;
  /** model → metric → [low, high] 95% interval */
  intervals: Record<string, Record<string, [number, number]>>;
  /** model → segment (light/medium/heavy) → metric → mean */
  segments: Record<string, Record<string, ModelMetrics>>;
  users: { evaluated: number; skipped: number };
  /** models `external:NAME`: top-K lists of another tool scored on this run's split (trainyard eval --recommendations) */
  external?: Record<string, OutsideListReport>;
}

/** A metric family as reported (e.g. ndcg → ndcg@10): its name, formula and meaning in words. */
export interface MetricDefinition {
  family: string;
  name: string;
  formula: string;
  meaning: string;
  /** the family it equals for every user who has one test item (last1): mrr → map, hitrate → recall */
  sameWithOneTestItem?: string;
}

/** One metric of a paired comparison: per-user differences b − a over the users both models were evaluated on. */
export interface MetricComparison {
  metric: string;
  a: number;
  b: number;
  /** mean of b − a, with its 95% interval (Student's t) */
  diff: number;
  ci95: [number, number];
  /** two-sided p of the paired t-test and of the Wilcoxon signed-rank test, raw and Holm-adjusted over the metrics compared */
  pT: number;
  pWilcoxon: number;
  pTAdjusted: number;
  pWilcoxonAdjusted: number;
  /** which side is better when both adjusted tests are below 0.05 and agree; null otherwise */
  better: 'a' | 'b' | null;
  verdict: string;
}

/** Two models on the same split (two models of one run, or of two runs with equal data and split), or why they cannot be paired. */
export interface ModelComparison {
  a: { run: string; model: string; label: string };
  b: { run: string; model: string; label: string };
  k: number;
  /** false when data or split differ: then there is no paired test, only `differences` and the two means */
  comparable: boolean;
  /** what differs between the two runs' data and split (users, items, interactions, fingerprint, split settings) */
  differences: { key: string; a: string; b: string }[];
  /** users evaluated on both sides */
  users: number;
  metrics: MetricComparison[];
  /** metrics left out because they equal another one on this split (last1 with one test item per user) */
  sameAs: Record<string, string>;
  /** the headline, for the first metric (NDCG@K) */
  verdict: string;
  method: string;
}

/** What became of every row of an outside recommendations file; nothing is dropped without a count. */
export interface OutsideListReport {
  /** file name and content hash of the scored file */
  file: string;
  sha256: string;
  /** how each user's rows were ordered: rank ascending, or score descending */
  order: 'rank' | 'score';
  rows: number;
  /** distinct users in the file */
  users: number;
  /** the largest cut-off: each list is scored on its first k usable items */
  k: number;
  /** users not in the run's dataset (their rows are not scored) */
  unknownUsers: { users: number; rows: number; examples: string[] };
  /** rows of test users naming an item not in the run's catalogue */
  unknownItems: { rows: number; examples: string[] };
  /** users of the dataset without a test item: not evaluated, as for every model */
  notTestUsers: { users: number; rows: number };
  /** rows repeating an item already in the user's list (the better-placed one counts) */
  duplicates: number;
  /** rows naming an item of the user's training part: removed by the seen filter, as for every model */
  seenItems: number;
  /** usable rows past the first k of a user's list */
  beyondK: number;
  /** test users without a list: they count as lists with no hit */
  missingUsers: number;
  /** test users whose list has fewer than k usable items */
  shortLists: number;
}

/** How a run's params were chosen: trials on a validation split carved out of the training part only. */
export interface RunTuning {
  stages: string[];
  /** trials per stage asked for */
  trialsPerStage: number;
  validation: { method: 'last1'; users: number; trainEvents: number };
  /** per stage: the best trial's params and validation scores */
  best: Record<string, { trial: number; params: Record<string, number>; ndcg10: number; recall10: number }>;
  /** every trial, in the order they ran */
  trials: { stage: string; trial: number; params: Record<string, number>; ndcg10: number; recall10: number; seconds: number }[];
  /** the searched ranges per stage (log: searched on a log scale) */
  ranges: Record<string, { key: string; low: number; high: number; log: boolean }[]>;
  stoppedEarly?: string;
}
