import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../../common/contracts/errors.ts';
import type { Csr } from '../../data/types.ts';
import { loadNpy, saveNpy } from '../../common/arrays.ts';
import type { ItemKnnSettings } from './itemknn-rows.ts';
import type { ItemKnnModel } from './itemknn-train.ts';
import type { Scorer } from '../scorer.ts';

/**
 * Item-based nearest neighbours on binary implicit feedback: cosine or asymmetric cosine (Aiolli 2013)
 * with shrinkage, top-k neighbours per item. A user's score for an item is the sum of the item's
 * similarities to the items in the user's training history.
 */

export interface ItemKnnParams {
  neighbours: number;
  shrink: number;
  similarity: 'cosine' | 'asymmetric';
  /** asymmetric only: exponent of the target item's user count */
  alpha: number;
}

export type { ItemKnnModel } from './itemknn-train.ts';
export { trainItemKnn } from './itemknn-train.ts';

/** What the row computation needs: cosine is the asymmetric form at alpha 0.5. */
export function knnSettings(p: ItemKnnParams): ItemKnnSettings {
  return { neighbours: p.neighbours, shrink: p.shrink, alpha: p.similarity === 'cosine' ? 0.5 : p.alpha };
}

const FILES = { indptr: 'neighbour_indptr.npy', indices: 'neighbour_indices.npy', weights: 'neighbour_weights.npy' };

export function saveItemKnn(dir: string, model: ItemKnnModel, params: ItemKnnParams): void {
  saveNpy(join(dir, FILES.indptr), model.indptr, [model.nItems + 1]);
  saveNpy(join(dir, FILES.indices), model.indices, [model.indices.length]);
  saveNpy(join(dir, FILES.weights), model.weights, [model.weights.length]);
  writeFileSync(
    join(dir, 'itemknn.json'),
    JSON.stringify({ ...params, layout: 'CSR: row j = neighbours of item j (indices, weights), best first' }, null, 2) + '\n',
  );
}

export function loadItemKnn(dir: string): ItemKnnModel {
  const bad = (why: string): never => {
    throw new EngineError('invalid-input', `${dir}: ItemKNN neighbours ${why}; retrain the itemknn stage`, { file: dir });
  };
  const read = (name: string) => {
    try {
      return loadNpy(join(dir, name));
    } catch (err) {
      return bad(`cannot be read (${(err as Error).message})`);
    }
  };
  const indptr = read(FILES.indptr).data;
  const indices = read(FILES.indices).data;
  const weights = read(FILES.weights).data;
  if (!(indptr instanceof Int32Array) || !(indices instanceof Int32Array) || !(weights instanceof Float32Array)) return bad('have the wrong types');
  const nItems = indptr.length - 1;
  if (nItems < 0 || indptr[nItems] !== indices.length || indices.length !== weights.length) return bad('are inconsistent');
  if (indices.some((i) => i < 0 || i >= nItems)) return bad('name items outside the catalogue');
  return { nItems, indptr, indices, weights };
}

/** Scores every user from their training history (`history`: users × items, values ignored). */
export function createItemKnnScorer(model: ItemKnnModel, history: Csr): Scorer {
  if (history.nCols !== model.nItems) {
    throw new EngineError('invalid-input', `ItemKNN has ${model.nItems} items but the history ${history.nCols}; retrain the itemknn stage`);
  }
  const { nItems, indptr, indices, weights } = model;
  return {
    nItems,
    scoreUsers(users, out) {
      out.fill(0, 0, users.length * nItems);
      for (let r = 0; r < users.length; r++) {
        const u = users[r]!;
        const row = r * nItems;
        for (let h = history.indptr[u]!; h < history.indptr[u + 1]!; h++) {
          const j = history.indices[h]!;
          for (let p = indptr[j]!; p < indptr[j + 1]!; p++) out[row + indices[p]!]! += weights[p]!;
        }
      }
    },
  };
}

/** The history items that contributed most to `item`'s score: each with its similarity to `item`. */
export function explainItemKnn(model: ItemKnnModel, history: Int32Array, item: number, n: number): { item: number; weight: number }[] {
  for (const i of [item, ...history]) {
    if (!Number.isInteger(i) || i < 0 || i >= model.nItems)
      throw new EngineError('invalid-input', `ItemKNN explain: item index ${i} is outside 0..${model.nItems - 1}`);
  }
  const contributions: { item: number; weight: number }[] = [];
  for (const j of history) {
    for (let p = model.indptr[j]!; p < model.indptr[j + 1]!; p++) {
      if (model.indices[p] === item) contributions.push({ item: j, weight: model.weights[p]! });
    }
  }
  contributions.sort((a, b) => b.weight - a.weight || a.item - b.item);
  return contributions.slice(0, Math.max(0, n));
}

/** The k most similar items to `item`: the start of its neighbour row (best first). */
export function itemNeighbours(model: ItemKnnModel, item: number, k: number): { item: number; score: number }[] {
  if (!Number.isInteger(item) || item < 0 || item >= model.nItems)
    throw new EngineError('invalid-input', `ItemKNN neighbours: item index ${item} is outside 0..${model.nItems - 1}`);
  const start = model.indptr[item]!;
  const end = Math.min(model.indptr[item + 1]!, start + Math.max(0, k));
  return Array.from({ length: end - start }, (_, r) => ({ item: model.indices[start + r]!, score: model.weights[start + r]! }));
}
