import type { JobInfo, JobLog, JobProgress, JobStarted } from './jobs.ts';
import type { PrepareSpec, PrepareStep } from './prepare.ts';
import type { MetricDefinition, ModelComparison, RunDetail, RunMetrics, RunSummary } from './runs.ts';

export interface WorkspaceInfo {
  path: string;
  latestRunId: string | null;
  threads: number;
  version: string;
}

export interface GenerateArgs {
  out: string;
  users?: number;
  items?: number;
  interactions?: number;
  seed?: number;
}

export interface ImportArgs {
  interactions?: string;
  items?: string;
  /** canonical field → source column, e.g. { user: 'customer', item: 'sku' } */
  map?: Record<string, string>;
  /** rows from a PostgreSQL query instead of (or beside) files */
  source?: QuerySource;
  /** SQL preparation of the interaction log (data.prepare in trainyard.yaml) */
  prepare?: PrepareSpec;
}

/** A database the import reads with queries: `query` gives the interactions, `itemsQuery` the catalogue. */
export interface QuerySource {
  /** postgres://user[:password]@host:port/database; the password is never recorded */
  url: string;
  query?: string;
  itemsQuery?: string;
}

export interface CatalogProfile {
  items: number;
  columns: string[];
  /** items per value of the catalogue's category column (the one search filters on), most items first, at most 20 */
  categories?: { name: string; items: number }[];
  /** distinct categories, when there are more than listed */
  categoryCount?: number;
}

export interface DatasetProfile {
  datasetId: string;
  fingerprint: string;
  sources: string[];
  users: number;
  items: number;
  interactions: number;
  density: number;
  duplicatesDropped: number;
  unknownItems: number;
  perUser: Distribution;
  perItem: Distribution;
  ratingHistogram: { value: number; count: number }[] | null;
  timeRange: { min: string; max: string } | null;
  /** item popularity by rank, sampled for log-log plots */
  popularityCurve: { rank: number; count: number }[];
  /** events per day bucket */
  activity: { day: string; count: number }[];
  catalog: CatalogProfile | null;
  /** implausible but valid values that were imported (e.g. timestamps in the future) */
  warnings?: DataWarning[];
  /** the preparation steps applied at import, with the counts after each (the first is the source as read) */
  preparation?: PrepareStep[];
}

/** A warning about imported data, naming where its first case is. */
export interface DataWarning {
  message: string;
  file: string;
  /** 1-based line (text files) or row (Parquet) of the first case */
  line: number;
  column: string;
  /** how many values have the problem */
  count: number;
}

export interface Distribution {
  min: number;
  median: number;
  mean: number;
  max: number;
  /** histogram over log2 buckets: [lo, hi) → count */
  histogram: { lo: number; hi: number; count: number }[];
}

export interface TrainArgs {
  /** path of a trainyard.yaml; its keys are overridden by `set` */
  configPath?: string;
  /** inline config object merged over the file */
  config?: unknown;
  /** dotted overrides, e.g. ["als.factors=32"] */
  set?: string[];
}

export interface TrainResult {
  runId: string;
  runDir: string;
  metrics: Record<string, Record<string, number>>;
  timings: Record<string, number>;
  /** whether the run became LATEST, and why (config `promote`) */
  promoted: boolean;
  promotion: string;
}

export type RecommendMode = 'baseline' | 'cf' | 'itemknn' | 'ease' | 'auto' | 'semantic' | 'hybrid';

export interface RecommendArgs {
  run?: string;
  user: string;
  k?: number;
  mode?: RecommendMode;
  exclude?: string[];
}

export interface RecommendedItem {
  item: string;
  score: number;
  title?: string;
  /** the catalogue's category column, when it has one */
  category?: string;
  /** history items that contributed most, with their share of the score */
  because?: { item: string; title?: string; weight: number }[];
}

export interface RecommendResult {
  user: string;
  mode: RecommendMode;
  /** the mode that actually answered, e.g. auto → cf, or baseline for a cold-start user */
  usedMode: RecommendMode;
  known: boolean;
  /** most recent first */
  history: { item: string; title?: string; category?: string; ts: number }[];
  items: RecommendedItem[];
}

export interface SimilarArgs {
  run?: string;
  item: string;
  k?: number;
  by?: 'cf' | 'content';
}

export interface SearchArgs {
  run?: string;
  query: string;
  k?: number;
  filters?: { category?: string };
}

export interface SearchHit {
  item: string;
  score: number;
  metadata: Record<string, string>;
}

/** `results` is empty, not padded with score-0 items, when the model knows none of the query's words. */
export interface SearchResult {
  results: SearchHit[];
  /** the query's words the model used, and those outside its vocabulary (always empty for open vocabularies) */
  query: { used: string[]; unknown: string[] };
}

export interface ClassifyTrainArgs {
  data: string;
  textCol?: string;
  labelCol?: string;
  /** default auto: trains linear, fasttext and encoder and keeps the best by validation macro F1 */
  model?: 'auto' | 'linear' | 'fasttext' | 'encoder';
  /** dotted parameter overrides, e.g. ["train.epochs=5", "compareTo=run_…"] */
  set?: string[];
  /** also run k-fold cross-validation with this many folds */
  cv?: number;
}

export interface ClassifyPrediction {
  label: string;
  probabilities: Record<string, number>;
}

/** One model's per-user evaluation rows: the CSV as written in the run (user, n_test, n_train, segment, metrics…). */
export interface PerUserTable {
  run: string;
  model: string;
  /** the CSV header: user, n_test, n_train, segment, then one column per metric (e.g. ndcg@10) */
  columns: string[];
  csv: string;
}

export interface DatasetUser {
  user: string;
  /** distinct items the user interacted with in the run's dataset */
  events: number;
}

export type PreviewKind = 'interactions' | 'items';

/** The first rows of a source file and the columns the importer would use for each canonical field. */
export interface FilePreview {
  file: string;
  kind: PreviewKind;
  /** e.g. "csv", "tsv", "jsonl", "MovieLens u.data" */
  layout: string;
  columns: string[];
  rows: string[][];
  /** canonical field (user/item/rating/ts, or id/title for items) → detected column, null when none is recognised */
  detected: Record<string, string | null>;
}

/**
 * Recompute a finished run's metrics (optionally at other cut-offs), or with `recommendations`
 * score another tool's top-K lists (a file: user, item, rank or score) on the run's split as model
 * `external:<name>` (default name: the file's name), added to the run's metrics.json.
 */
export interface EvalArgs {
  run: string;
  ks?: number[];
  recommendations?: string;
  name?: string;
}

/** Two models to compare: a model of a run on each side (the same run twice for two models of one run). */
export interface CompareArgs {
  a: { run: string; model: string };
  b: { run: string; model: string };
  /** cut-off of the compared metrics (default 10, or the runs' first cut-off) */
  k?: number;
}

/** The request map: every request takes one serialisable argument and resolves to data. */
export interface EngineApi {
  'workspace.info': (arg: void) => Promise<WorkspaceInfo>;
  'data.generate': (arg: GenerateArgs) => Promise<JobStarted>;
  'data.import': (arg: ImportArgs) => Promise<JobStarted>;
  'data.profile': (arg: { datasetId?: string }) => Promise<DatasetProfile | null>;
  'data.preview': (arg: { file: string; kind: PreviewKind }) => Promise<FilePreview>;
  /** the events, users and items left after each preparation step, without importing anything */
  'data.previewPreparation': (arg: ImportArgs) => Promise<PrepareStep[]>;
  'data.users': (arg: { run?: string; query?: string; limit?: number }) => Promise<DatasetUser[]>;
  'train.start': (arg: TrainArgs) => Promise<JobStarted>;
  'jobs.list': (arg: void) => Promise<JobInfo[]>;
  'jobs.get': (arg: { jobId: string }) => Promise<JobInfo>;
  'jobs.cancel': (arg: { jobId: string }) => Promise<{ cancelled: boolean }>;
  'runs.list': (arg: void) => Promise<RunSummary[]>;
  'runs.show': (arg: { run: string }) => Promise<RunDetail>;
  'runs.promote': (arg: { run: string }) => Promise<RunSummary>;
  'runs.delete': (arg: { run: string }) => Promise<{ deleted: string }>;
  /** a trainyard.yaml read and validated, with every default filled in (the Train page loads it into the form) */
  'config.resolve': (arg: { configPath: string }) => Promise<{ config: unknown }>;
  /** sets (or, with an empty note, clears) a finished run's name or note */
  'runs.note': (arg: { run: string; note: string }) => Promise<RunSummary>;
  'eval.run': (arg: EvalArgs) => Promise<RunMetrics>;
  'eval.perUser': (arg: { run: string; model: string }) => Promise<PerUserTable>;
  'eval.compare': (arg: CompareArgs) => Promise<ModelComparison>;
  /** what each metric means, with its formula */
  'eval.definitions': (arg: void) => Promise<MetricDefinition[]>;
  recommend: (arg: RecommendArgs) => Promise<RecommendResult>;
  similar: (arg: SimilarArgs) => Promise<RecommendedItem[]>;
  search: (arg: SearchArgs) => Promise<SearchResult>;
  'classify.train': (arg: ClassifyTrainArgs) => Promise<JobStarted>;
  'classify.predict': (arg: { run: string; text: string }) => Promise<ClassifyPrediction>;
}

export type EngineRequest = keyof EngineApi;
export type RequestArg<K extends EngineRequest> = Parameters<EngineApi[K]>[0];
export type RequestResult<K extends EngineRequest> = Awaited<ReturnType<EngineApi[K]>>;

/** The event map: name → payload. */
export interface EngineEvents {
  'job.state': JobInfo;
  'job.progress': JobProgress;
  'job.log': JobLog;
  'runs.changed': { runId: string };
}

export type EngineEvent = keyof EngineEvents;
