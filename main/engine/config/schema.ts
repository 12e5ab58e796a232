import { z } from 'zod';
import { prepareSpecSchema } from '../../common/contracts/prepare.ts';

/**
 * trainyard.yaml: data paths and stage parameters. Every key has a default, unknown keys are
 * rejected (strict objects), and errors carry the key path. Types come from z.infer.
 */
const splitMethod = z.string().regex(/^(last1|lastpct:0?\.\d*[1-9]\d*)$/, 'expected last1 or lastpct:<fraction between 0 and 1>, e.g. lastpct:0.2');

/**
 * Upper bounds the engine holds every run to, so a config that cannot train is refused before a run
 * starts. The Train form (renderer/pages/train/config.ts) mirrors them; tests/unit/config.test.ts
 * checks that both agree. Stored runs' params are parsed with this schema too (runs/serving.ts,
 * runs/run-split.ts), so a bound may rise but never fall below what a finished run used.
 */
export const LIMITS = {
  /** the ALS kernel's limit (recsys/als/als-train.ts) */
  threads: 64,
  factors: 1024,
  iterations: 1000,
  cgSteps: 100,
  /** the sparse model holds items × neighbours entries */
  neighbours: 10000,
  /** evaluation keeps users × max K ranked items in memory */
  k: 1000,
  minUserEvents: 1000,
} as const;

export const STAGES = ['popularity', 'bayes-popularity', 'als', 'itemknn', 'ease', 'semantic', 'hybrid'] as const;
export type StageName = (typeof STAGES)[number];
/** The collaborative models the hybrid stage can blend with semantic scores. */
export const HYBRID_CF = ['als', 'itemknn', 'ease'] as const;
export type HybridCf = (typeof HYBRID_CF)[number];

/**
 * semantic.* that choose and configure the sentence encoder. EmbeddingConfig (embed/factory.ts)
 * extends it with what trainyard.yaml does not expose.
 */
export const semanticEmbeddingSchema = z.object({
  /** sentence encoder: builtin (LSA fitted on the catalogue, no download), glove (GloVe word vectors, SIF), transformers (local ONNX), gemini, openai */
  provider: z.enum(['builtin', 'glove', 'transformers', 'gemini', 'openai']).default('builtin'),
  /** transformers: hub id (default Xenova/all-MiniLM-L6-v2); gemini/openai: API model name */
  model: z.string().min(1).optional(),
  /** transformers: a local model folder (no network access at all); glove: a converted .bin file or the package's JSON */
  modelPath: z.string().min(1).optional(),
  /** transformers execution provider; falls back to cpu (recorded in the manifest) */
  device: z.enum(['cpu', 'cuda', 'dml', 'coreml']).optional(),
  /** builtin: LSA dimensions; gemini/openai: requested output size */
  dimensions: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().optional(),
});

/**
 * semantic.* that render the item texts and build the vector index: the options of
 * buildSemanticIndex (recsys/semantic.ts), whose store settings the vector store takes (store/vector-store.ts).
 */
export const semanticIndexSchema = z.object({
  /** the text embedded per item: {column} placeholders over catalogue columns */
  template: z.string().min(1).default('{title}. {description}'),
  /** vector store: vss (sqlite-vss, Faiss) or vec (sqlite-vec); default vss, vec on Windows */
  store: z.enum(['vss', 'vec']).optional(),
  /**
   * sqlite-vss index factory: Flat,IDMap2 (exact), HNSW32,IDMap2 (large catalogues, approximate),
   * IVF<n>,Flat,IDMap2 (trained on the catalogue's vectors before they are added)
   */
  index: z.string().min(1).default('Flat,IDMap2'),
  /** HNSW indexes only: candidate list size while building the graph; larger builds slower and finds more true neighbours (Faiss default 40; engine default 128) */
  efConstruction: z.number().int().positive().optional(),
  /** HNSW indexes only: candidate list size per query, at least k in Faiss (Faiss default 16; engine default 64) */
  efSearch: z.number().int().positive().optional(),
  /** IVF indexes only: inverted lists visited per query (Faiss default 1; engine default 16, at most the lists) */
  nprobe: z.number().int().positive().optional(),
});
export type SemanticIndexOptions = z.input<typeof semanticIndexSchema>;

export const configSchema = z
  .object({
    data: z
      .object({
        /** interaction log: CSV/TSV/JSONL/Parquet or a MovieLens file */
        interactions: z.string().optional(),
        /** item catalogue */
        items: z.string().optional(),
        /** canonical field → source column, e.g. { user: customer } */
        map: z.partialRecord(z.enum(['user', 'item', 'rating', 'ts', 'id', 'title']), z.string()).default({}),
        /** SQL preparation of the interaction log at import: where, window, ratings, user sample, repeats, k-core */
        prepare: prepareSpecSchema.optional(),
      })
      .strict()
      .prefault({}),
    /** stages to train; popularity is always evaluated beside every model */
    stages: z.array(z.enum(STAGES)).min(1).default(['popularity', 'bayes-popularity', 'als']),
    seed: z.number().int().nonnegative().default(42),
    /** auto: a succeeded run becomes LATEST when it serves at least the stages LATEST serves; always; never */
    promote: z.enum(['auto', 'always', 'never']).default('auto'),
    /** tune params on a validation split of the training part before training (trainyard tune, train --tune) */
    tune: z
      .object({
        /** stages whose params are tuned; auto: every tunable stage the run trains; [] (default): no tuning */
        stages: z.union([z.literal('auto'), z.array(z.enum(STAGES))]).default([]),
        /** trials per stage, the given settings being the first */
        trials: z.number().int().min(1).max(1000).default(20),
        /** no new trial starts after this many seconds; null: no limit */
        seconds: z.number().positive().nullable().default(null),
        /** validation users scored per trial (every n-th when there are more) */
        validationUsers: z.number().int().positive().default(5000),
      })
      .strict()
      .prefault({}),
    /** worker threads for training; 0 = one per core */
    threads: z.number().int().nonnegative().max(LIMITS.threads).default(0),
    split: z
      .object({
        method: splitMethod.default('last1'),
        /** ISO date or epoch seconds: training keeps events before it, testing events after it */
        cutoff: z.union([z.string(), z.number()]).nullable().default(null),
        /** users with fewer events stay in training only and are reported as skipped */
        minUserEvents: z.number().int().min(2).max(LIMITS.minUserEvents).default(2),
        /** events with equal timestamps at a user's boundary: random (broken by the seed) or all (held out together) */
        ties: z.enum(['random', 'all']).default('random'),
      })
      .strict()
      .prefault({}),
    eval: z
      .object({
        ks: z.array(z.number().int().positive().max(LIMITS.k)).min(1).default([5, 10, 20, 50, 100]),
      })
      .strict()
      .prefault({}),
    popularity: z.object({}).strict().prefault({}),
    'bayes-popularity': z
      .object({
        /** smoothing strength: how many ratings at the global mean every item starts with */
        m: z.number().nonnegative().default(10),
        /** items with fewer ratings are ranked last */
        minRatings: z.number().int().nonnegative().default(1),
      })
      .strict()
      .prefault({}),
    als: z
      .object({
        factors: z.number().int().positive().max(LIMITS.factors).default(64),
        regularization: z.number().nonnegative().default(0.01),
        /** confidence scale: linear c = 1 + alpha * v, log c = 1 + alpha * log(1 + v / eps) */
        alpha: z.number().nonnegative().default(40),
        confidence: z.enum(['linear', 'log']).default('linear'),
        eps: z.number().positive().default(1),
        iterations: z.number().int().positive().max(LIMITS.iterations).default(15),
        /** conjugate-gradient steps per row and half-step */
        cgSteps: z.number().int().positive().max(LIMITS.cgSteps).default(3),
      })
      .strict()
      .prefault({}),
    itemknn: z
      .object({
        /** neighbours kept per item (the sparse model's size is at most items × neighbours) */
        neighbours: z.number().int().positive().max(LIMITS.neighbours).default(100),
        /** added to the similarity's denominator: damps pairs that few users share */
        shrink: z.number().nonnegative().default(10),
        /** cosine, or asymmetric cosine (Aiolli 2013) with exponent alpha on the target item's users */
        similarity: z.enum(['cosine', 'asymmetric']).default('cosine'),
        alpha: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .prefault({}),
    ease: z
      .object({
        /** L2 regularisation of the item × item weights */
        lambda: z.number().positive().default(500),
        /** a dense item × item solve: larger catalogues are refused (use itemknn) */
        maxItems: z.number().int().positive().default(10000),
        /** memory the dense matrices may take, in MiB (12 bytes per item pair) */
        memoryBudgetMB: z.number().positive().default(2048),
      })
      .strict()
      .prefault({}),
    semantic: semanticEmbeddingSchema.extend(semanticIndexSchema.shape).strict().prefault({}),
    hybrid: z
      .object({
        /** the collaborative model blended with semantic scores; the run trains it beside hybrid */
        cf: z.enum(HYBRID_CF).default('als'),
        /** weight of CF in the blend (content gets 1 - weight); null tunes it on a validation split */
        weight: z.number().min(0).max(1).nullable().default(null),
        /** validation users scored per candidate weight when tuning */
        validationUsers: z.number().int().positive().default(2000),
      })
      .strict()
      .prefault({}),
    recommend: z
      .object({
        /** auto mode answers with CF for users with at least this many training events */
        minHistory: z.number().int().nonnegative().default(3),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type TrainyardConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Every default, as the schema fills them in: ALS_DEFAULTS and the semantic index's defaults come from here. */
export const CONFIG_DEFAULTS: TrainyardConfig = configSchema.parse({});

/** semantic.* split into the encoder's settings and the index's options (zod drops the other part's keys). */
export function splitSemanticConfig(semantic: TrainyardConfig['semantic']): {
  embedding: z.output<typeof semanticEmbeddingSchema>;
  index: z.output<typeof semanticIndexSchema>;
} {
  return { embedding: semanticEmbeddingSchema.parse(semantic), index: semanticIndexSchema.parse(semantic) };
}
