import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { EmbeddingProvider } from '../embed/provider.ts';
import type { TaskContext } from '../common/task-context.ts';
import { loadFloat32, loadIds, saveIds, saveNpy } from '../common/arrays.ts';
import type { DenseRows } from './head.ts';

const BATCH = 64;

function textKey(text: string): string {
  return createHash('sha1').update(text).digest('base64url');
}

/**
 * Sentence embeddings per text (sha1 of the text → vector) for one provider state, so that repeated
 * texts, later epochs' evaluation and later runs embed nothing twice. With a folder it persists as
 * keys.txt + vectors.npy.
 */
export class EmbeddingCache {
  readonly dim: number;
  private readonly vectors = new Map<string, Float32Array>();
  private readonly dir: string | undefined;
  private dirty = false;

  constructor(dim: number, dir?: string) {
    this.dim = dim;
    this.dir = dir;
    if (dir && existsSync(join(dir, 'keys.txt'))) {
      const keys = loadIds(join(dir, 'keys.txt'));
      const values = loadFloat32(join(dir, 'vectors.npy')).data;
      if (values.length === keys.length * dim) keys.forEach((k, i) => this.vectors.set(k, values.slice(i * dim, (i + 1) * dim)));
    }
  }

  get size(): number {
    return this.vectors.size;
  }

  async embed(provider: EmbeddingProvider, texts: readonly string[], ctx: TaskContext): Promise<DenseRows> {
    const keys = texts.map(textKey);
    const missing = [
      ...new Set(
        keys
          .map((k, i) => (this.vectors.has(k) ? -1 : i))
          .filter((i) => i >= 0)
          .map((i) => texts[i]!),
      ),
    ];
    for (let start = 0; start < missing.length; start += BATCH) {
      throwIfCancelled(ctx.signal);
      const chunk = missing.slice(start, start + BATCH);
      const out = await provider.embed(chunk, ctx);
      if (out.length !== chunk.length * this.dim) {
        throw new EngineError(
          'internal',
          `embedding provider ${provider.name} returned ${out.length} values for ${chunk.length} texts of ${this.dim} dimensions`,
        );
      }
      chunk.forEach((t, i) => this.vectors.set(textKey(t), out.slice(i * this.dim, (i + 1) * this.dim)));
      this.dirty = true;
      ctx.progress({ stage: 'classify-embed', current: Math.min(missing.length, start + BATCH), total: missing.length, unit: 'text' });
    }
    const values = new Float32Array(texts.length * this.dim);
    keys.forEach((k, i) => values.set(this.vectors.get(k)!, i * this.dim));
    return { n: texts.length, dim: this.dim, values };
  }

  save(): void {
    if (!this.dir || !this.dirty) return;
    mkdirSync(this.dir, { recursive: true });
    const keys = [...this.vectors.keys()];
    const values = new Float32Array(keys.length * this.dim);
    keys.forEach((k, i) => values.set(this.vectors.get(k)!, i * this.dim));
    saveNpy(join(this.dir, 'vectors.tmp.npy'), values, [keys.length, this.dim]);
    saveIds(join(this.dir, 'keys.txt'), keys);
    renameSync(join(this.dir, 'vectors.tmp.npy'), join(this.dir, 'vectors.npy'));
    this.dirty = false;
  }
}

/** Cache folder name for a provider state: model identity plus, for providers fitted on the data, the fit corpus. */
export function cacheNamespace(provider: EmbeddingProvider, fitCorpus: readonly string[] | null): string {
  const eff = provider.effective();
  const h = createHash('sha256').update(JSON.stringify([eff.provider, eff.model, eff.dimensions]));
  if (fitCorpus) for (const t of fitCorpus) h.update(t).update('\u0000');
  return `${eff.provider}-${h.digest('hex').slice(0, 16)}`;
}
