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

/** What each model is and what its score means, shown beside its name (Evaluate, Sandbox). */
const MODEL_DESCRIPTIONS: Record<string, string> = {
  popularity: 'Popularity: every user gets the items with the most interactions in the training part. Score: that count.',
  'bayes-popularity':
    'Bayesian popularity: items ranked by their mean rating smoothed towards the global mean (m pseudo-ratings). It rewards well-rated items, not often-chosen ones, so it usually loses on top-N metrics, which count what users chose.',
  als: 'ALS: implicit-feedback matrix factorisation. Score: dot product of the user and item factors; comparable within one list, not across users.',
  itemknn: 'ItemKNN: sum of the similarities between the item and the items of the user’s history (cosine with shrinkage, top neighbours per item).',
  ease: 'EASE: a linear item-to-item model solved in closed form; score: sum of the learned weights from the user’s history items.',
  semantic: 'Semantic: cosine between the user’s profile (mean of their items’ text vectors) and each item’s text vector.',
  hybrid:
    'Hybrid: weight · CF + (1 − weight) · content on per-user standardised scores; CF is the model the run chose (cf: ALS, ItemKNN or EASE), and the weight, unless given, was tuned on a validation split.',
};

/** A model's description for a tooltip; outside lists (external:NAME) and unknown names get a generic one. */
export function modelDescription(name: string): string {
  if (name.startsWith('external:')) return `An outside tool's top-K lists (${name.slice(9)}), scored on this run's split with the same filter and metrics.`;
  return MODEL_DESCRIPTIONS[name] ?? name;
}

/** What "because: X (8%)" means under a recommendation. */
export const BECAUSE_MEANING = 'Items of the user’s history that contributed most to this score, with the share of the score each one explains.';

/** How to read the scores of a recommend mode. */
export const MODE_SCORES: Record<string, string> = {
  baseline:
    'The run’s Bayesian popularity when it trained one (score: smoothed mean rating), else popularity (score: training interactions); the same list for every user.',
  cf: 'Collaborative score (ALS, or ItemKNN/EASE in runs without ALS): compare within the list only.',
  itemknn: 'ItemKNN score: summed neighbour similarities.',
  ease: 'EASE score: summed item-to-item weights.',
  semantic: 'Cosine between the user’s profile and the item’s text vector (−1 to 1).',
  hybrid: 'Blend of standardised CF and content scores (around 0; higher is better).',
  auto: 'Picks CF for users with enough history and content otherwise; “answered by” names the model.',
};
