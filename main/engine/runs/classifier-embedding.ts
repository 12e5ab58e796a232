import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbeddingProvider, parseEmbeddingConfig, restoreEmbeddingProvider, saveEmbeddingState, type EmbeddingConfig } from '../embed/factory.ts';
import type { EmbeddingProvider } from '../embed/provider.ts';
import type { TaskContext } from '../jobs/context.ts';
import { crossValidate, loadClassifier, trainClassifier, type LoadedClassifier } from '../text/classify.ts';
import type { ClassifierJob, ClassifierTrainer } from './classify-run.ts';

const EMBEDDING_DIR = 'embedding';
const EMBEDDING_CONFIG = 'embedding.json';

/**
 * Runs `work` with the sentence encoder an encoder classifier needs: from `params.embedding`
 * (default builtin LSA, fitted on the training texts). fasttext needs none.
 */
async function withEmbedding<T>(job: ClassifierJob, ctx: TaskContext, work: (params: Record<string, unknown>, provider: EmbeddingProvider | null, config: EmbeddingConfig | null) => Promise<T>): Promise<T> {
  const { embedding, ...params } = job.params as { embedding?: EmbeddingConfig };
  const model = job.model ?? (params as { model?: string }).model ?? 'fasttext';
  if (model !== 'encoder') return work(params, null, null);
  const config = parseEmbeddingConfig(embedding ?? {});
  const provider = await createEmbeddingProvider(config, ctx);
  try {
    return await work(params, provider, config);
  } finally {
    await provider.dispose?.();
  }
}

/**
 * Trains classifiers for classifier runs. An encoder's embedding config and learned state are kept
 * beside its head, so predictions embed text the same way.
 */
export const classifierTrainer: ClassifierTrainer = {
  train: (job, ctx) =>
    withEmbedding(job, ctx, async (params, provider, config) => {
      const result = await trainClassifier({ ...job, params, ...(provider ? { provider } : {}) }, ctx);
      if (provider && config) {
        mkdirSync(join(job.outDir, EMBEDDING_DIR), { recursive: true });
        await saveEmbeddingState(provider, join(job.outDir, EMBEDDING_DIR));
        writeFileSync(join(job.outDir, EMBEDDING_CONFIG), JSON.stringify(config, null, 2) + '\n');
      }
      return result;
    }),
  crossValidate: (job, nSplits, ctx) =>
    withEmbedding(job, ctx, (params, provider) => crossValidate({ ...job, params, nSplits, ...(provider ? { provider } : {}) }, ctx)),
};

export async function loadClassifierWithEmbedding(dir: string, ctx: TaskContext): Promise<LoadedClassifier> {
  const configFile = join(dir, EMBEDDING_CONFIG);
  if (!existsSync(configFile)) return loadClassifier(dir);
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as EmbeddingConfig;
  return loadClassifier(dir, { provider: await restoreEmbeddingProvider(config, join(dir, EMBEDDING_DIR), ctx) });
}
