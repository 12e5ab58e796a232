/**
 * The notebook reference of the text classifier benches: scikit-learn's TfidfVectorizer (word
 * 1–2-grams, sublinear tf) + LogisticRegression, as an analyst writes it, run by Debian's
 * /usr/bin/python3 (python3-sklearn) on the train and test texts we write for it. `c10` fits C = 10;
 * `grid` chooses C as ours does (GridSearchCV over the whole pipeline: shuffled stratified k-fold
 * on a stratified sample of at most `searchRows` training texts, by macro F1; the best mean wins,
 * where ours takes the one-standard-error rule), then refits on all the training texts.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PYTHON_BIN = '/usr/bin/python3';

export type SklearnVariant = 'c10' | 'grid';

export interface SklearnOptions {
  minDf: number;
  maxFeatures: number;
  /** the grid of C (variant grid) */
  C: number[];
  folds: number;
  /** the C search sees at most this many training texts (a stratified sample); 0: all */
  searchRows: number;
  maxIter: number;
}

export interface SklearnResult {
  version: string;
  variant: SklearnVariant;
  C: number;
  /** mean held-out macro F1 per C (variant grid) */
  cv: { C: number; macro_f1: number }[];
  terms: number;
  iterations: number;
  fitSeconds: number;
  predictTextsPerSec: number;
  accuracy: number;
  macroF1: number;
  peakRssMiB: number;
}

const SCRIPT = `
import json, resource, sys, time
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline

folder, variant, opts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
def read(name):
    with open(f"{folder}/{name}", encoding="utf-8") as f:
        return json.load(f)
train, test, predict = read("train.json"), read("test.json"), read("predict.json")

model = make_pipeline(
    TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=opts["minDf"], max_features=opts["maxFeatures"]),
    LogisticRegression(C=10, max_iter=opts["maxIter"]),
)
texts, labels = train["texts"], train["labels"]
cv = []
t = time.perf_counter()
if variant == "grid":
    # as ours: C is searched on a stratified sample of at most searchRows training texts, in
    # shuffled folds (the training part keeps the corpus order: SpamAssassin is ham, then spam),
    # then the pipeline is refitted on all of them
    sample_x, sample_y = texts, labels
    if 0 < opts["searchRows"] < len(texts):
        sample_x, _, sample_y, _ = train_test_split(texts, labels, train_size=opts["searchRows"], stratify=labels, random_state=0)
    folds = StratifiedKFold(opts["folds"], shuffle=True, random_state=0)
    search = GridSearchCV(model, {"logisticregression__C": opts["C"]}, cv=folds, scoring="f1_macro", refit=False)
    search.fit(sample_x, sample_y)
    model.set_params(**search.best_params_)
    cv = [{"C": p["logisticregression__C"], "macro_f1": s} for p, s in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"])]
model.fit(texts, labels)
fit_s = time.perf_counter() - t
predicted = model.predict(test["texts"])
t = time.perf_counter()
model.predict(predict)
predict_s = time.perf_counter() - t

lr = model.named_steps["logisticregression"]
print(json.dumps({
    "version": sklearn.__version__,
    "variant": variant,
    "C": lr.C,
    "cv": cv,
    "terms": len(model.named_steps["tfidfvectorizer"].vocabulary_),
    "iterations": int(max(lr.n_iter_)),
    "fitSeconds": fit_s,
    "predictTextsPerSec": len(predict) / predict_s,
    "accuracy": accuracy_score(test["labels"], predicted),
    "macroF1": f1_score(test["labels"], predicted, average="macro"),
    "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
`;

/** Why the reference cannot run here, or null when /usr/bin/python3 has scikit-learn. */
export function sklearnMissing(): string | null {
  const r = spawnSync(PYTHON_BIN, ['-c', 'import sklearn, scipy'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON_BIN} cannot import sklearn and scipy (Debian: apt-get install python3-sklearn)`;
}

interface Part {
  texts: string[];
  labels: string[];
}

/**
 * Writes the parts into `dir` and fits the reference on `train`; its test figures are on `test`,
 * its prediction speed on `predict`. Python's peak RSS is its own process's.
 */
export function runSklearn(dir: string, variant: SklearnVariant, parts: { train: Part; test: Part; predict: string[] }, opts: SklearnOptions): SklearnResult {
  writeFileSync(join(dir, 'train.json'), JSON.stringify(parts.train));
  writeFileSync(join(dir, 'test.json'), JSON.stringify(parts.test));
  writeFileSync(join(dir, 'predict.json'), JSON.stringify(parts.predict));
  const r = spawnSync(PYTHON_BIN, ['-c', SCRIPT, dir, variant, JSON.stringify(opts)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`scikit-learn reference (${variant}) failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as SklearnResult;
}
