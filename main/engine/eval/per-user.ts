import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PerUserTable } from '../../common/contracts/api.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import { EXTERNAL_PREFIX, externalFolder } from './outside-lists.ts';

/**
 * Model names are folder names inside the run (a stage, or external:<name> for external/<name>):
 * anything else could climb out of it.
 */
const MODEL_NAME = /^(external:)?[a-z0-9][a-z0-9_-]*$/i;

function modelFolder(dir: string, model: string): string {
  return model.startsWith(EXTERNAL_PREFIX) ? externalFolder(dir, model.slice(EXTERNAL_PREFIX.length)) : join(dir, model);
}

/** Models of a run folder that wrote a per-user CSV. */
function modelsWithPerUser(dir: string): string[] {
  const withCsv = (parent: string, prefix: string): string[] =>
    existsSync(parent)
      ? readdirSync(parent, { withFileTypes: true })
          .filter((d) => d.isDirectory() && existsSync(join(parent, d.name, 'per_user.csv')))
          .map((d) => prefix + d.name)
      : [];
  return [...withCsv(dir, ''), ...withCsv(externalFolder(dir, ''), EXTERNAL_PREFIX)].sort();
}

/** The per-user evaluation rows of one model of a run (`<runDir>/<model>/per_user.csv`), as written by writePerUserCsv. */
export function readPerUserCsv(dir: string, runId: string, model: string): PerUserTable {
  if (!MODEL_NAME.test(model))
    throw new EngineError('invalid-input', `model "${model}" is not a model name; use a stage of the run such as als or popularity`, { field: 'model' });
  const file = join(modelFolder(dir, model), 'per_user.csv');
  if (!existsSync(file)) {
    const available = modelsWithPerUser(dir);
    throw new EngineError(
      'not-found',
      `run ${runId} has no per-user results for model "${model}"` +
        (available.length ? `; models with per-user results: ${available.join(', ')}` : '; the run evaluated no model'),
      { file, field: 'model', available },
    );
  }
  const csv = readFileSync(file, 'utf8');
  const end = csv.indexOf('\n');
  const header = end < 0 ? csv : csv.slice(0, end);
  // Header cells are fixed names and metric names (e.g. ndcg@10): none needs quoting.
  const columns = header.split(',').map((c) => c.trim());
  if (columns[0] !== 'user')
    throw new EngineError(
      'invalid-input',
      `${file}: not a per-user results file (the header starts with "${columns[0] ?? ''}", not "user"); re-evaluate the run`,
      {
        file,
        line: 1,
      },
    );
  return { run: runId, model, columns, csv };
}
