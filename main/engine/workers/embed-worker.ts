import { parentPort } from 'node:worker_threads';
import { toErrorData } from '../../common/contracts/errors.ts';
import { createEmbeddingProvider, restoreEmbeddingProvider, saveEmbeddingState } from '../embed/factory.ts';
import type { EmbeddingProvider, QueryWords } from '../embed/provider.ts';
import type { FromEmbedWorker, ToEmbedWorker } from '../embed/worker-protocol.ts';
import type { TaskContext } from '../common/task-context.ts';

/** Hosts one embedding provider off the calling thread (see embed/worker-provider.ts). */
const port = parentPort!;
const send = (msg: FromEmbedWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const running = new Map<number, AbortController>();
let provider: EmbeddingProvider | null = null;

type Answer = { vectors: Float32Array | null; words?: QueryWords | null };

async function handle(msg: Exclude<ToEmbedWorker, { type: 'cancel' }>, ctx: TaskContext): Promise<Answer> {
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

port.on('message', (msg: ToEmbedWorker) => {
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort();
    return;
  }
  const { id } = msg;
  const controller = new AbortController();
  running.set(id, controller);
  const ctx: TaskContext = {
    signal: controller.signal,
    progress: (update) => send({ type: 'progress', id, update }),
    log: (level, message) => send({ type: 'log', id, level, message }),
  };
  handle(msg, ctx)
    .then(
      ({ vectors, words }) =>
        send(
          { type: 'done', id, vectors, words, dimensions: provider!.dimensions, effective: provider!.effective() },
          vectors ? [vectors.buffer as ArrayBuffer] : [],
        ),
      (err: unknown) => send({ type: 'failed', id, error: toErrorData(err) }),
    )
    .finally(() => running.delete(id));
});
