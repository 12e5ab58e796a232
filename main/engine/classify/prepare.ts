import { EngineError, clipText } from '../../common/contracts/errors.ts';
import { augmentRows } from './augment.ts';
import { cleanText } from './clean.ts';
import { classBalance, describe, readLabelledFile, type ClassCount, type LabelledText, type Stats } from './dataset.ts';
import type { ClassifyParams } from './params.ts';
import { SPAM_ASSASSIN, loadSpamAssassin } from './spam-assassin.ts';
import { stratifiedSplit, type SplitIndices } from './split.ts';
import { tokenize } from './tokenize.ts';

/** A path or builtin:name, rows in memory, or rows already loaded (and checked) from a source. */
export type DataSource = string | readonly LabelledText[] | LoadedRows;

export interface QualityReport {
  source: string;
  textCol: string | null;
  labelCol: string | null;
  /** rows read, before anything was dropped */
  rows: number;
  missingLabels: number;
  /** texts empty after cleaning: dropped */
  emptyTexts: number;
  /** repeats of an earlier text (after cleaning) */
  duplicates: number;
  /** distinct texts that occur with more than one label */
  conflictingDuplicates: number;
  duplicatesDropped: number;
  /** distinct texts present in more than one split (0 when duplicates are dropped) */
  leakage: { trainValidation: number; trainTest: number; validationTest: number };
  classes: ClassCount[];
  /** largest class count / smallest */
  imbalanceRatio: number;
  chars: Stats;
  tokens: Stats;
  split: { train: number; validation: number; test: number; augmented: number };
  warnings: string[];
}

export interface Example {
  text: string;
  label: string;
  line?: number;
}

export interface PreparedData {
  labels: string[];
  train: Example[];
  validation: Example[];
  test: Example[];
  quality: QualityReport;
}

export interface LoadedRows {
  source: string;
  textCol: string | null;
  labelCol: string | null;
  rows: readonly LabelledText[];
  missingLabels: number;
}

/** Data sets shipped with the app, by the name after `builtin:`. */
const BUILTIN_DATA = [SPAM_ASSASSIN];

export function loadRows(data: DataSource, textCol?: string, labelCol?: string): LoadedRows {
  if (Array.isArray(data)) return { source: 'memory', textCol: null, labelCol: null, rows: data as readonly LabelledText[], missingLabels: 0 };
  if (typeof data !== 'string') return data as LoadedRows;
  if (data === SPAM_ASSASSIN) return { source: data, textCol: null, labelCol: null, rows: loadSpamAssassin(), missingLabels: 0 };
  if (data.startsWith('builtin:')) {
    const names = BUILTIN_DATA.map((d) => d.slice('builtin:'.length));
    throw new EngineError('not-found', `no builtin data set named ${clipText(data.slice('builtin:'.length))}; available: ${names.join(', ')}`, {
      field: 'data',
      hint: `use ${BUILTIN_DATA.join(' or ')}, or the path of a labelled CSV/TSV/JSONL file`,
    });
  }
  const loaded = readLabelledFile(data, { ...(textCol ? { textCol } : {}), ...(labelCol ? { labelCol } : {}) });
  return { source: loaded.source, textCol: loaded.textCol, labelCol: loaded.labelCol, rows: loaded.rows, missingLabels: loaded.missingLabels };
}

/** Cleans, drops empty texts, handles duplicates; returns the usable examples and what was found. */
export function cleanRows(loaded: LoadedRows, params: ClassifyParams) {
  const examples: Example[] = [];
  let emptyTexts = 0;
  let duplicates = 0;
  let duplicatesDropped = 0;
  const labelsOf = new Map<string, Set<string>>();
  for (const row of loaded.rows) {
    const text = cleanText(row.text, params.clean);
    if (text === '') {
      emptyTexts++;
      continue;
    }
    const seen = labelsOf.get(text);
    if (seen) {
      duplicates++;
      seen.add(row.label);
      if (params.dedupe) {
        duplicatesDropped++;
        continue;
      }
    } else {
      labelsOf.set(text, new Set([row.label]));
    }
    examples.push({ text, label: row.label, ...(row.line !== undefined ? { line: row.line } : {}) });
  }
  let conflictingDuplicates = 0;
  for (const s of labelsOf.values()) if (s.size > 1) conflictingDuplicates++;
  return { examples, emptyTexts, duplicates, duplicatesDropped, conflictingDuplicates };
}

/**
 * Stratified k-fold cross-validation needs an example of every class in every fold: `nSplits`
 * may not exceed the smallest class's count (nor be below 2). `classes` are ordered largest first.
 */
export function checkFolds(classes: readonly ClassCount[], nSplits: number, source: string): void {
  const smallest = classes.at(-1);
  if (!Number.isInteger(nSplits) || nSplits < 2)
    throw new EngineError('invalid-input', `cross-validation needs an integer number of folds ≥ 2, got ${nSplits}`, { field: 'cv' });
  if (!smallest || smallest.count >= nSplits) return;
  const fix = smallest.count >= 2 ? `use --cv ${smallest.count} or fewer` : 'add examples of that class, or train without --cv';
  throw new EngineError(
    'invalid-input',
    `${source}: ${nSplits} folds need at least ${nSplits} examples of every class, but class "${clipText(smallest.label)}" has ${smallest.count}; ${fix}`,
    {
      field: 'cv',
      hint: fix,
    },
  );
}

/**
 * Reads and checks a classifier's data the way training will, so bad input fails before a run
 * folder is made: the file, its columns, the classes, the test split and the number of folds.
 */
export function checkClassifierData(data: DataSource, params: ClassifyParams, textCol?: string, labelCol?: string, cvFolds?: number): LoadedRows {
  const loaded = loadRows(data, textCol, labelCol);
  const { examples } = cleanRows(loaded, params);
  splitOrExplain(loaded, examples, params);
  if (cvFolds !== undefined) checkFolds(classBalance(examples.map((e) => e.label)), cvFolds, loaded.source);
  return loaded;
}

function sharedTexts(a: readonly Example[], b: readonly Example[]): number {
  const set = new Set(a.map((e) => e.text));
  return new Set(b.filter((e) => set.has(e.text)).map((e) => e.text)).size;
}

/** The classes and the stratified split, or an error saying why the examples cannot be split for testing. */
function splitOrExplain(loaded: LoadedRows, examples: readonly Example[], params: ClassifyParams): { labels: string[]; split: SplitIndices } {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  if (labels.length < 2) {
    throw new EngineError('invalid-input', `${loaded.source}: need at least 2 classes, found ${labels.length}${labels.length ? ` (${labels[0]})` : ''}`, {
      file: loaded.source,
      field: loaded.labelCol,
      hint: 'check that the label column is the right one (--label-col) and that texts are not empty',
    });
  }
  const split = stratifiedSplit(
    examples.map((e) => e.label),
    params.split.test,
    params.split.validation,
    params.seed,
  );
  if (split.test.length === 0 && labels.length === examples.length) {
    throw new EngineError(
      'invalid-input',
      `${loaded.source}: every class has a single example (${examples.length} rows, ${labels.length} classes), so none can be held out for testing`,
      {
        file: loaded.source,
        field: loaded.labelCol,
        hint: 'is the label column the right one (--label-col)? Each class needs at least 2 examples, better dozens',
      },
    );
  }
  if (split.test.length === 0) {
    throw new EngineError('invalid-input', `${loaded.source}: too few rows (${examples.length}) to hold out a test set`, {
      file: loaded.source,
      field: 'split.test',
      hint: 'add labelled rows or raise split.test',
    });
  }
  return { labels, split };
}

/** Load → clean → stratified split → (optional) augmentation of the training part, with a quality report. */
export function prepareData(data: DataSource, params: ClassifyParams, textCol?: string, labelCol?: string): PreparedData {
  const loaded = loadRows(data, textCol, labelCol);
  const cleaned = cleanRows(loaded, params);
  const examples = cleaned.examples;
  const { labels, split } = splitOrExplain(loaded, examples, params);
  const pick = (idx: number[]) => idx.map((i) => examples[i]!);
  const train = pick(split.train);
  const validation = pick(split.validation);
  const test = pick(split.test);
  const augmented = params.augment.enabled ? augmentRows(train, params.augment, params.seed) : [];
  const classes = classBalance(examples.map((e) => e.label));
  const warnings: string[] = [];
  for (const c of classes) if (c.count < 5) warnings.push(`class "${c.label}" has only ${c.count} example(s); its metrics will be unreliable`);
  if (cleaned.conflictingDuplicates > 0) warnings.push(`${cleaned.conflictingDuplicates} text(s) occur with different labels`);
  if (validation.length === 0) warnings.push('no validation rows: early stopping and checkpoint choice use the training set');
  const counts = classes.map((c) => c.count);
  const quality: QualityReport = {
    source: loaded.source,
    textCol: loaded.textCol,
    labelCol: loaded.labelCol,
    rows: loaded.rows.length + loaded.missingLabels,
    missingLabels: loaded.missingLabels,
    emptyTexts: cleaned.emptyTexts,
    duplicates: cleaned.duplicates,
    conflictingDuplicates: cleaned.conflictingDuplicates,
    duplicatesDropped: cleaned.duplicatesDropped,
    leakage: { trainValidation: sharedTexts(train, validation), trainTest: sharedTexts(train, test), validationTest: sharedTexts(validation, test) },
    classes,
    imbalanceRatio: Math.max(...counts) / Math.min(...counts),
    chars: describe(examples.map((e) => e.text.length)),
    tokens: describe(examples.map((e) => tokenize(e.text, false, Number.MAX_SAFE_INTEGER).length)),
    split: { train: train.length, validation: validation.length, test: test.length, augmented: augmented.length },
    warnings,
  };
  return { labels, train: [...train, ...augmented], validation, test, quality };
}
