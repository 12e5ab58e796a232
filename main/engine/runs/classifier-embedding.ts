import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbeddingProvider, parseEmbeddingConfig, restoreEmbeddingProvider, saveEmbeddingState, type EmbeddingConfig } from '../embed/factory.ts';
import type { TaskContext } from '../jobs/context.ts';
import { loadClassifier, trainClassifier, type LoadedClassifier } from '../text/classify.ts';
import type { TrainClassifierFn } from './classify-run.ts';

const EMBEDDING_DIR = 'embedding';
const EMBEDDING_CONFIG = 'embedding.json';

/**
 * Trains a classifier; the encoder model gets its sentence encoder from `params.embedding`
 * (default builtin LSA, fitted on the training texts), whose config and learned state are kept
 * beside the head so predictions embed text the same way.
 */
export const trainClassifierWithEmbedding: TrainClassifierFn = async (opts, ctx) => {
  const { embedding, ...params } = opts.params as { embedding?: EmbeddingConfig };
  const model = opts.model ?? (params as { model?: string }).model ?? 'fasttext';
  if (model !== 'encoder') return trainClassifier({ ...opts, params }, ctx);
  const config = parseEmbeddingConfig(embedding ?? {});
  const provider = await createEmbeddingProvider(config, ctx);
  try {
    const result = await trainClassifier({ ...opts, params, provider }, ctx);
    mkdirSync(join(opts.outDir, EMBEDDING_DIR), { recursive: true });
    await saveEmbeddingState(provider, join(opts.outDir, EMBEDDING_DIR));
    writeFileSync(join(opts.outDir, EMBEDDING_CONFIG), JSON.stringify(config, null, 2) + '\n');
    return result;
  } finally {
    await provider.dispose?.();
  }
};

export async function loadClassifierWithEmbedding(dir: string, ctx: TaskContext): Promise<LoadedClassifier> {
  const configFile = join(dir, EMBEDDING_CONFIG);
  if (!existsSync(configFile)) return loadClassifier(dir);
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as EmbeddingConfig;
  return loadClassifier(dir, { provider: await restoreEmbeddingProvider(config, join(dir, EMBEDDING_DIR), ctx) });
}
