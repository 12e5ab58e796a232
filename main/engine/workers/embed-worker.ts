import type { TaskContext } from '../common/task-context.ts';
import { serveRpc } from '../common/worker-rpc.ts';
import { createEmbeddingProvider, restoreEmbeddingProvider, saveEmbeddingState } from '../embed/factory.ts';
import type { EmbeddingProvider, QueryWords } from '../embed/provider.ts';
import type { EmbedAnswer, EmbedCall } from '../embed/worker-protocol.ts';

/** Hosts one embedding provider off the calling thread (see embed/worker-provider.ts). */
let provider: EmbeddingProvider | null = null;

type Answer = { vectors: Float32Array | null; words?: QueryWords | null };

async function handle(msg: EmbedCall, ctx: TaskContext): Promise<Answer> {
  if (msg.type === 'init') {
    provider = msg.stateDir ? await restoreEmbeddingProvider(msg.config, msg.stateDir, ctx) : await createEmbeddingProvider(msg.config, ctx);
    return { vectors: null };
  }
  if (!provider) throw new Error('embed worker: init must come first');
  if (msg.type === 'fit') {
    await provider.fit?.(msg.texts, ctx);
    return { vectors: null };
  }
  if (msg.type === 'save') {
    await saveEmbeddingState(provider, msg.dir);
    return { vectors: null };
  }
  if (msg.type === 'words') return { vectors: null, words: (await provider.queryWords?.(msg.text)) ?? null };
  return { vectors: await provider.embed(msg.texts, ctx) };
}

serveRpc<EmbedCall, EmbedAnswer>(
  async (msg, ctx) => {
    const { vectors, words } = await handle(msg, ctx);
    return { vectors, words, dimensions: provider!.dimensions, effective: provider!.effective() };
  },
  { transfer: (answer) => (answer.vectors ? [answer.vectors.buffer as ArrayBuffer] : []) },
);
