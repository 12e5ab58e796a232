import Database from 'better-sqlite3';
import { existsSync, rmSync } from 'node:fs';
import { EngineError } from '../../common/contracts/errors.ts';
import { VecVectorStore } from './vector-vec.ts';
import { DEFAULT_VSS_FACTORY, MAX_SHARDS } from './vector-store.ts';
import type { VectorStore, VectorStoreOptions } from './vector-store.ts';
import { VssVectorStore } from './vector-vss.ts';

/**
 * Creates a vector store in a NEW database file: an existing file at `path` (and its WAL/SHM) is
 * removed first, so a rebuilt index never keeps rows of items that left the catalogue.
 */
export function createVectorStore(path: string, dims: number, options: VectorStoreOptions): VectorStore {
  if (!Number.isInteger(dims) || dims < 1) throw new EngineError('invalid-input', `vector dimensions must be a positive integer, got ${dims}`);
  if (options.batchRows !== undefined && (!Number.isInteger(options.batchRows) || options.batchRows < 1)) {
    throw new EngineError('invalid-input', `batchRows must be a positive integer, got ${options.batchRows}`, { field: 'batchRows' });
  }
  for (const field of ['efConstruction', 'efSearch', 'nprobe'] as const) {
    const value = options[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new EngineError('invalid-input', `${field} must be a positive integer, got ${value}`, { field });
    }
  }
  if (options.shards !== undefined) {
    if (!Number.isInteger(options.shards) || options.shards < 1 || options.shards > MAX_SHARDS) {
      throw new EngineError('invalid-input', `shards must be an integer from 1 to ${MAX_SHARDS}, got ${options.shards}`, { field: 'shards' });
    }
    if (options.shards > 1 && (options.kind !== 'vss' || (options.factory ?? DEFAULT_VSS_FACTORY) !== DEFAULT_VSS_FACTORY)) {
      throw new EngineError(
        'invalid-input',
        `shards applies to the exact sqlite-vss index (${DEFAULT_VSS_FACTORY}) only, not ${options.kind === 'vss' ? `vss ${options.factory}` : options.kind}`,
        { field: 'shards' },
      );
    }
  }
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
  switch (options.kind) {
    case 'vss':
      return VssVectorStore.create(path, dims, options);
    case 'vec':
      return VecVectorStore.create(path, dims, options);
    default:
      throw new EngineError('invalid-input', `unknown vector store "${String(options.kind)}": use vss or vec`, { field: 'store' });
  }
}

/** Opens an existing vector store; the backend is read from the file's meta table. */
export function openVectorStore(path: string): VectorStore {
  if (!existsSync(path)) throw new EngineError('not-found', `${path}: no vector index here; build the semantic stage first`);
  const db = new Database(path, { fileMustExist: true });
  try {
    const kind = db.prepare("SELECT value FROM meta WHERE key = 'kind'").pluck().get() as string | undefined;
    if (kind === 'vss') return VssVectorStore.open(db, path);
    if (kind === 'vec') return VecVectorStore.open(db, path);
    throw new EngineError('invalid-input', `${path}: not a Trainyard vector index (meta.kind is ${String(kind)})`);
  } catch (err) {
    db.close();
    if (err instanceof Error && /no such table: meta/.test(err.message)) {
      throw new EngineError('invalid-input', `${path}: not a Trainyard vector index (no meta table)`);
    }
    throw err;
  }
}
