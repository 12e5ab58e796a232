import type { EmbeddingProvider } from '../embed/provider.ts';
import type { TaskContext } from '../jobs/context.ts';
import type { JobEnv, JobHandler } from '../jobs/worker-host.ts';
import { trainClassifier, type TrainClassifierOptions } from '../text/classify.ts';

/** The serialisable argument of a `classify.train` job: everything but the provider instance. */
export type ClassifyJobArg = Omit<TrainClassifierOptions, 'provider'>;

/** Resolves the embedding provider an encoder job uses (the job worker passes the embed factory). */
export type ProviderFor = (arg: ClassifyJobArg, env: JobEnv, ctx: TaskContext) => Promise<EmbeddingProvider>;

/**
 * The `classify.train` job handler for the job worker (register it in serveJobs). fasttext jobs need
 * nothing else; encoder jobs get their provider from `providerFor`, disposed after training.
 */
export function classifyTrainJob(providerFor?: ProviderFor): JobHandler {
  return async (arg, ctx, env) => {
    const job = arg as ClassifyJobArg;
    const encoder = (job.model ?? job.params?.model) === 'encoder';
    const provider = encoder && providerFor ? await providerFor(job, env, ctx) : undefined;
    try {
      return await trainClassifier({ ...job, ...(provider ? { provider } : {}) }, ctx);
    } finally {
      await provider?.dispose?.();
    }
  };
}
