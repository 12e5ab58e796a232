/**
 * Resolves and loads the SQLite vector extensions (sqlite-vss: vector0 + vss0; sqlite-vec: vec0).
 * The npm packages locate their binaries next to themselves; in a packaged Electron app those paths
 * point into app.asar, which the OS loader cannot read, so they are redirected to app.asar.unpacked
 * (electron-builder's asarUnpack puts the binaries there).
 */
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { getLoadablePath as sqliteVecPath } from 'sqlite-vec';

/** What a database connection must offer to load an extension (better-sqlite3's Database does). */
export interface ExtensionHost {
  loadExtension(path: string): void;
}

export type VectorExtension = 'vss' | 'vec';

export class ExtensionLoadError extends Error {
  readonly extension: VectorExtension;
  readonly hint: string;

  constructor(extension: VectorExtension, message: string, hint: string) {
    super(`${message}. ${hint}`);
    this.name = 'ExtensionLoadError';
    this.extension = extension;
    this.hint = hint;
  }
}

/** Rewrites a path inside app.asar to the same path inside app.asar.unpacked. */
export function unpackedPath(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

interface SqliteVssPackage {
  getVectorLoadablePath(): string;
  getVssLoadablePath(): string;
}

const HINTS: Record<VectorExtension, string> = {
  vss:
    process.platform === 'win32'
      ? 'sqlite-vss has no Windows build: use the vec store (semantic.store=vec)'
      : process.platform === 'linux'
        ? 'sqlite-vss needs the system libraries libgomp1 libblas3 liblapack3 (apt-get install libgomp1 libblas3 liblapack3), or use the vec store (semantic.store=vec)'
        : 'reinstall the app (npm install must not skip optional dependencies), or use the vec store (semantic.store=vec)',
  vec: 'reinstall the app (npm install must not skip optional dependencies, which carry the sqlite-vec binary)',
};

function resolveOrExplain<T>(extension: VectorExtension, resolve: () => T): T {
  try {
    return resolve();
  } catch (err) {
    throw new ExtensionLoadError(
      extension,
      `the ${extension === 'vss' ? 'sqlite-vss' : 'sqlite-vec'} binary for ${process.platform}-${process.arch} cannot be found (${(err as Error).message})`,
      HINTS[extension],
    );
  }
}

/** Paths of vector0 and vss0 (sqlite-vss), unpacked-asar aware. */
export function vssLoadablePaths(): { vector: string; vss: string } {
  return resolveOrExplain('vss', () => {
    // sqlite-vss ships ESM without module typings; require(esm) gives a typed handle on it
    const pkg = createRequire(import.meta.url)('sqlite-vss') as SqliteVssPackage;
    return { vector: unpackedPath(pkg.getVectorLoadablePath()), vss: unpackedPath(pkg.getVssLoadablePath()) };
  });
}

/** Path of vec0 (sqlite-vec), unpacked-asar aware. */
export function vecLoadablePath(): string {
  return resolveOrExplain('vec', () => unpackedPath(sqliteVecPath()));
}

function loadOrExplain(extension: VectorExtension, db: ExtensionHost, path: string): void {
  try {
    db.loadExtension(path);
  } catch (err) {
    throw new ExtensionLoadError(extension, `loading ${path} failed (${(err as Error).message})`, HINTS[extension]);
  }
}

/** dlopen's RTLD_NODELETE, which os.constants.dlopen does not list */
const RTLD_NODELETE = process.platform === 'darwin' ? 0x80 : 0x1000;
let vssPinned = false;

/**
 * Faiss parallelises with OpenMP. SQLite dlcloses an extension when a connection that loaded it
 * closes; when the last one goes, vss0 and libgomp are unmapped while OpenMP's idle worker threads
 * still run in them, and the process segfaults. Opening vss0 once with RTLD_NODELETE keeps it (and
 * libgomp) mapped for the life of the process. process.dlopen then reports that vss0 is no Node
 * addon; the library stays loaded all the same.
 */
function pinVss(path: string): void {
  if (vssPinned) return;
  try {
    process.dlopen({ exports: {} }, path, constants.dlopen.RTLD_NOW | RTLD_NODELETE);
  } catch (err) {
    if (!/did not self-register/.test((err as Error).message)) {
      throw new ExtensionLoadError('vss', `loading ${path} failed (${(err as Error).message})`, HINTS.vss);
    }
  }
  vssPinned = true;
}

/** Loads sqlite-vss into a connection: vector0 first (vss0 depends on it), then vss0. */
export function loadVss(db: ExtensionHost): void {
  const paths = vssLoadablePaths();
  // One OpenMP thread unless the user asks for more (libgomp reads this once, when it is loaded):
  // Faiss opens an OpenMP team for every HNSW query, and when the cores are busy (ALS training in
  // the job workers, say) a query waits for a descheduled team thread (measured: HNSW p50 0.5 →
  // 24 ms at 30k vectors). More threads speed up HNSW builds and IVF training.
  process.env.OMP_NUM_THREADS ??= '1';
  pinVss(paths.vss);
  loadOrExplain('vss', db, paths.vector);
  loadOrExplain('vss', db, paths.vss);
}

/** Loads sqlite-vec (vec0) into a connection. */
export function loadVec(db: ExtensionHost): void {
  loadOrExplain('vec', db, vecLoadablePath());
}
