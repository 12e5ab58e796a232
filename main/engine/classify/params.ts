import { z } from 'zod';
import { EngineError } from '../../common/contracts/errors.ts';

export const CLASSIFIER_MODELS = ['auto', 'linear', 'fasttext', 'encoder'] as const;
export type ClassifierModel = (typeof CLASSIFIER_MODELS)[number];
/** the models `auto` chooses among */
export type ConcreteModel = Exclude<ClassifierModel, 'auto'>;

/** Training parameters of a text classifier; every default is documented here, in the schema. */
export const ClassifyParamsSchema = z
  .object({
    model: z
      .enum(CLASSIFIER_MODELS)
      .default('auto')
      .describe(
        'auto: train linear, fasttext and encoder, keep the best by validation macro F1; linear: TF-IDF + logistic regression; fasttext: hashed word/bigram embeddings; encoder: head over frozen sentence embeddings',
      ),
    seed: z.number().int().default(42).describe('seeds the split, initialisation, shuffling and augmentation'),
    split: z
      .object({
        test: z.number().gt(0).lt(0.9).default(0.2).describe('fraction of all rows held out for the final test'),
        validation: z.number().min(0).lt(0.9).default(0.1).describe('fraction of the remaining rows used for early stopping; 0 selects on training loss'),
      })
      .prefault({}),
    clean: z
      .object({
        html: z.boolean().default(true),
        urls: z.boolean().default(true),
        whitespace: z.boolean().default(true),
        unicode: z.boolean().default(true),
      })
      .prefault({}),
    dedupe: z.boolean().default(true).describe('drop repeated texts (after cleaning), keeping the first; prevents leakage between splits'),
    augment: z
      .object({
        enabled: z.boolean().default(false),
        copies: z.number().int().min(1).max(10).default(1).describe('augmented copies per training text'),
        deleteProb: z.number().min(0).max(0.5).default(0.1).describe('chance of dropping each word'),
        swapProb: z.number().min(0).max(0.5).default(0.1).describe('chance of swapping each word with its neighbour'),
      })
      .prefault({}),
    features: z
      .object({
        lowercase: z.boolean().default(true),
        maxTokens: z
          .number()
          .int()
          .min(1)
          .default(20_000)
          .describe('tokens kept per text (the start of the text): bounds the cost of a huge text, not the usual one'),
        buckets: z
          .number()
          .int()
          .min(1024)
          .max(2 ** 24)
          .default(2 ** 20)
          .describe('hash space of word and bigram features; only buckets seen in training get a weight row'),
        wordNgrams: z.union([z.literal(1), z.literal(2)]).default(2),
        minCount: z.number().int().min(1).default(2).describe('a feature needs this many training texts to get a weight row'),
      })
      .prefault({}),
    linear: z
      .object({
        wordNgrams: z
          .union([z.literal(1), z.literal(2)])
          .default(2)
          .describe('1: words; 2: words and word bigrams'),
        charNgrams: z
          .union([z.literal(0), z.number().int().min(2).max(6)])
          .default(0)
          .describe('0: off; n: also character n-grams of 2..n characters inside words (char_wb)'),
        minDf: z.number().int().min(1).default(2).describe('a term needs this many training texts'),
        maxFeatures: z
          .number()
          .int()
          .min(1)
          .max(2 ** 24)
          .default(1_000_000)
          .describe('the most frequent terms kept'),
        C: z
          .union([z.number().positive(), z.array(z.number().positive()).min(1)])
          .default([1, 10, 100])
          .transform((c) => (Array.isArray(c) ? c : [c]))
          .describe('inverse L2 penalty strength; several values: chosen by inner cross-validation on the training part'),
        folds: z.number().int().min(2).max(10).default(3).describe('inner cross-validation folds that choose C'),
        searchRows: z
          .number()
          .int()
          .min(0)
          .default(20_000)
          .describe('the inner cross-validation uses at most this many training texts (a stratified sample); 0: all'),
        maxIter: z.number().int().min(1).max(10_000).default(200).describe('L-BFGS iterations per fit'),
        tol: z.number().positive().default(1e-4).describe('L-BFGS stops when no component of the mean loss gradient exceeds this (scikit-learn tol)'),
        memory: z.number().int().min(1).max(50).default(7).describe('L-BFGS correction pairs; each costs two copies of the weights'),
      })
      .prefault({}),
    fasttext: z
      .object({
        dim: z
          .number()
          .int()
          .min(2)
          .max(512)
          .optional()
          .describe("width of the feature rows; default 32, or the pretrained vectors' width (100 for GloVe), which it must then equal"),
        pretrained: z
          .enum(['none', 'glove'])
          .default('none')
          .describe('glove: the row of each training word GloVe knows starts from its GloVe vector (bigram rows start at zero)'),
      })
      .prefault({}),
    encoder: z
      .object({
        hidden: z.number().int().min(0).max(4096).default(0).describe('0: linear head; otherwise one ReLU hidden layer of this width'),
      })
      .prefault({}),
    train: z
      .object({
        epochs: z.number().int().min(1).max(1000).default(10),
        batchSize: z.number().int().min(1).max(4096).default(32),
        lr: z.number().gt(0).max(10).default(0.05).describe('peak learning rate'),
        weightDecay: z.number().min(0).max(1).default(1e-4).describe('AdamW decoupled weight decay (not applied to biases)'),
        warmup: z.number().min(0).max(0.5).default(0.05).describe('fraction of the planned steps spent warming up linearly; then linear decay to 0'),
        clipNorm: z.number().min(0).default(1).describe('global gradient-norm clip; 0 disables'),
        metric: z.enum(['loss', 'accuracy', 'macro_f1']).default('loss').describe('validation metric for early stopping and for choosing the best checkpoint'),
        patience: z.number().int().min(1).default(3).describe('epochs without improvement before stopping'),
        resume: z.boolean().default(false).describe('continue from the newest checkpoint in outDir/checkpoints'),
      })
      .prefault({}),
    errors: z.number().int().min(0).default(25).describe('most confidently wrong test examples written to errors.jsonl'),
    compareTo: z.string().optional().describe('folder of an earlier classifier run whose metrics.json is compared against'),
  })
  .strict();

export type ClassifyParams = z.infer<typeof ClassifyParamsSchema>;
export type ClassifyParamsInput = z.input<typeof ClassifyParamsSchema>;

export function parseClassifyParams(input: unknown): ClassifyParams {
  const r = ClassifyParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.');
  throw new EngineError('invalid-input', `classifier parameter ${field || '(root)'}: ${issue.message}`, {
    field,
    issues: r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    hint: 'see the defaults in main/engine/classify/params.ts',
  });
}
