import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

/** Lints one import line as if it stood in `file`, with the project's ESLint config. */
async function importErrors(file: string, specifier: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(`import type { X } from '${specifier}';\nexport type Y = X;\n`, { filePath: `${ROOT}${file}` });
  return result!.messages.filter((m) => m.ruleId?.endsWith('no-restricted-imports')).map((m) => m.message);
}

describe('engine layers (eslint.config.js)', () => {
  it('refuses an import of a higher layer, and of a host', async () => {
    expect(await importErrors('main/engine/recsys/x.ts', '../runs/registry.ts')).toEqual([expect.stringMatching(/engine layers: recsys\/ may import only/)]);
    expect(await importErrors('main/engine/data/x.ts', '../eval/split.ts')).toHaveLength(1);
    expect(await importErrors('main/engine/common/x.ts', '../data/types.ts')).toHaveLength(1);
    expect(await importErrors('main/engine/store/migrations/x.ts', '../../runs/registry.ts')).toHaveLength(1);
    expect(await importErrors('main/engine/runs/x.ts', '../jobs/runner.ts')).toHaveLength(1);
    expect(await importErrors('main/engine/eval/x.ts', '../../server/access.ts')).toEqual([expect.stringMatching(/the engine never imports its hosts/)]);
  }, 30_000);

  it('keeps main/common (contracts, channel names) free of the rest, and the renderer on main/common', async () => {
    expect(await importErrors('main/common/contracts/x.ts', '../../engine/runs/registry.ts')).toHaveLength(1);
    expect(await importErrors('renderer/pages/x.tsx', '../../main/engine/runs/registry.ts')).toHaveLength(1);
    expect(await importErrors('renderer/pages/x.tsx', '../../main/common/contracts/runs.ts')).toEqual([]);
    expect(await importErrors('main/engine/recsys/x.ts', '../../common/contracts/errors.ts')).toEqual([]);
  }, 30_000);

  it('keeps DuckDB in data/ and store/, SQLite in store/', async () => {
    expect(await importErrors('main/engine/recsys/x.ts', '@duckdb/node-api')).toEqual([
      expect.stringMatching(/only engine\/data\/ and engine\/store\/ use DuckDB/),
    ]);
    expect(await importErrors('main/engine/embed/x.ts', '@duckdb/node-bindings')).toEqual([
      expect.stringMatching(/only engine\/data\/ and engine\/store\/ use DuckDB/),
    ]);
    expect(await importErrors('main/engine/data/x.ts', '@duckdb/node-api')).toEqual([]);
    expect(await importErrors('main/engine/store/x.ts', '@duckdb/node-api')).toEqual([]);
    expect(await importErrors('main/engine/data/x.ts', 'better-sqlite3')).toEqual([expect.stringMatching(/only engine\/store\/ talks to SQLite/)]);
  }, 30_000);

  it('allows imports of the same layer and of lower ones', async () => {
    expect(await importErrors('main/engine/recsys/x.ts', '../eval/split.ts')).toEqual([]);
    expect(await importErrors('main/engine/runs/x.ts', '../tune/tune.ts')).toEqual([]);
    expect(await importErrors('main/engine/data/x.ts', '../common/random.ts')).toEqual([]);
    expect(await importErrors('main/engine/workers/x.ts', '../runs/registry.ts')).toEqual([]);
  }, 30_000);
});
