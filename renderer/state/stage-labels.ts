/** Names of models and progress stages as the pages show them. */
const MODEL_LABELS: Record<string, string> = {
  popularity: 'Popularity',
  'bayes-popularity': 'Bayesian popularity',
  als: 'ALS',
  itemknn: 'ItemKNN',
  ease: 'EASE',
  semantic: 'Semantic index',
  hybrid: 'Hybrid',
  fasttext: 'fastText',
  encoder: 'Encoder',
  linear: 'Linear (TF-IDF + logistic regression)',
  auto: 'Auto (best on validation)',
};

const STAGE_LABELS: Record<string, string> = {
  run: 'Overall',
  import: 'Importing',
  generate: 'Generating sample data',
  tune: 'Tuning (trials on the validation split)',
  embed: 'Embedding the catalogue',
  'embed.fit': 'Fitting the text model',
  'semantic.embed': 'Embedding the catalogue',
  index: 'Building the vector index',
  'index.train': 'Training the vector index',
  store: 'Writing vectors',
  classify: 'Training the classifier',
  'classify-embed': 'Embedding the texts',
};

export function modelLabel(name: string): string {
  return MODEL_LABELS[name] ?? name;
}

/** "evaluate als" → "Evaluating ALS"; "classify-cv-2" → "Cross-validation fold 2"; known ids by name; else as given. */
export function stageLabel(stage: string): string {
  const evaluating = /^evaluate (.+)$/.exec(stage);
  if (evaluating) return `Evaluating ${modelLabel(evaluating[1]!)}`;
  const fold = /^classify-cv-(\d+)$/.exec(stage);
  if (fold) return `Cross-validation fold ${fold[1]}`;
  // model auto trains each candidate under its own stage
  const candidate = /^classify-(linear|fasttext|encoder)$/.exec(stage);
  if (candidate) return `Training the ${modelLabel(candidate[1]!)} candidate`;
  return STAGE_LABELS[stage] ?? MODEL_LABELS[stage] ?? stage;
}
