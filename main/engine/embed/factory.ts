import { z } from 'zod';
import { EngineError } from '../../common/contracts/errors.ts';
import { semanticEmbeddingSchema } from '../config/schema.ts';
import { silentContext } from '../common/task-context.ts';
import type { TaskContext } from '../common/task-context.ts';
import { BuiltinLsaProvider } from './builtin.ts';
import { CloudEmbeddingProvider } from './cloud.ts';
import { GloveProvider, loadDefaultGlove } from './glove.ts';
import { LsaGloveProvider } from './lsa-glove.ts';
import type { EmbeddingProvider } from './provider.ts';
import { TransformersProvider } from './transformers.ts';
import { WorkerEmbeddingProvider } from './worker-provider.ts';

/** Embedding settings: semantic.* of trainyard.yaml and what it does not expose. Holds no secret: API keys come from the environment. */
export const embeddingConfigSchema = semanticEmbeddingSchema
  .extend({
    dtype: z.enum(['q8', 'fp32', 'fp16', 'int8', 'uint8', 'q4']).optional(),
    seed: z.number().int().optional(),
    /** gemini/openai: API host override (proxy, tests) */
    baseUrl: z.string().url().optional(),
    /** gemini/openai: .env file consulted when the key is not in the environment */
    envFile: z.string().optional(),
    /** transformers: hub cache folder; glove: where the converted vectors are kept */
    cacheDir: z.string().optional(),
  })
  .strict();

export type EmbeddingConfig = z.input<typeof embeddingConfigSchema>;

/** Validates embedding settings; the error names the field. */
export function parseEmbeddingConfig(config: EmbeddingConfig): z.output<typeof embeddingConfigSchema> {
  const parsed = embeddingConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new EngineError('invalid-input', `semantic.${field}: ${issue.message}`, { field });
  }
  return parsed.data;
}

/** Builds the configured provider; pretrained models are loaded here (errors say what to do when missing). */
export async function createEmbeddingProvider(config: EmbeddingConfig, ctx: TaskContext = silentContext()): Promise<EmbeddingProvider> {
  const c = parseEmbeddingConfig(config);
  switch (c.provider) {
    case 'builtin': {
      const lsa = new BuiltinLsaProvider({ dimensions: c.dimensions, seed: c.seed });
      const glove = await loadDefaultGlove(c.cacheDir, ctx);
      return glove ? new LsaGloveProvider(lsa, glove) : lsa;
    }
    case 'glove':
      return GloveProvider.load({ modelPath: c.modelPath, cacheDir: c.cacheDir }, ctx);
    case 'transformers':
      return TransformersProvider.load(
        { model: c.model, modelPath: c.modelPath, dtype: c.dtype, device: c.device, batchSize: c.batchSize, cacheDir: c.cacheDir },
        ctx,
      );
    case 'openai':
      return CloudEmbeddingProvider.openai({ model: c.model, dimensions: c.dimensions, batchSize: c.batchSize, baseUrl: c.baseUrl, envFile: c.envFile });
    case 'gemini':
      return CloudEmbeddingProvider.gemini({ model: c.model, dimensions: c.dimensions, batchSize: c.batchSize, baseUrl: c.baseUrl, envFile: c.envFile });
  }
}

/**
 * The provider that can embed queries for an index built with `config`: the fitted builtin model
 * saved in `stateDir`, or a freshly loaded pretrained/remote one.
 */
export async function restoreEmbeddingProvider(config: EmbeddingConfig, stateDir: string, ctx: TaskContext = silentContext()): Promise<EmbeddingProvider> {
  const c = parseEmbeddingConfig(config);
  if (c.provider === 'builtin') {
    if (LsaGloveProvider.isSavedIn(stateDir)) return LsaGloveProvider.restore(c.cacheDir, stateDir, ctx);
    if (!BuiltinLsaProvider.isSavedIn(stateDir))
      throw new EngineError('invalid-input', `${stateDir}: the builtin embedding model is missing; rebuild the semantic stage`);
    return BuiltinLsaProvider.load(stateDir);
  }
  if (c.provider === 'glove') {
    if (!GloveProvider.isSavedIn(stateDir))
      throw new EngineError('invalid-input', `${stateDir}: the glove sentence model is missing; rebuild the semantic stage`);
    return GloveProvider.restore({ modelPath: c.modelPath, cacheDir: c.cacheDir }, stateDir, ctx);
  }
  return createEmbeddingProvider(c, ctx);
}

/** Saves what a provider learned from the catalogue (builtin, glove) next to the index, also from inside a worker. */
export async function saveEmbeddingState(provider: EmbeddingProvider, stateDir: string): Promise<void> {
  if (provider instanceof BuiltinLsaProvider || provider instanceof GloveProvider || provider instanceof LsaGloveProvider) provider.save(stateDir);
  else if (provider instanceof WorkerEmbeddingProvider) await provider.save(stateDir);
}
