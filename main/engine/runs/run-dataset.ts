import { EngineError } from '../../common/contracts/errors.ts';
import type { RunManifest } from '../../common/contracts/runs.ts';
import type { Db } from '../store/db.ts';
import { listDatasets } from '../store/datasets.ts';

const short = (fingerprint: string): string => fingerprint.slice(0, 12);

/**
 * The id, in this workspace's database, of the dataset a run was trained on. The run records the
 * dataset's id and fingerprint; a database that was lost and recreated numbers its datasets anew,
 * so the id alone may name other data. The fingerprint decides: the recorded id when it still holds
 * those bytes, else the same files imported again under another id, else a clear refusal.
 */
export function runDatasetId(db: Db, runId: string, dataset: NonNullable<RunManifest['dataset']>): string {
  const ready = listDatasets(db);
  const same =
    ready.find((d) => d.datasetId === dataset.id && d.fingerprint === dataset.fingerprint) ?? ready.find((d) => d.fingerprint === dataset.fingerprint);
  if (same) return same.datasetId;
  const other = ready.find((d) => d.datasetId === dataset.id);
  const hint = 'import the files the run was trained on again (trainyard data import), or train a new run on the data you have';
  if (other) {
    throw new EngineError(
      'conflict',
      `run ${runId} was trained on dataset ${dataset.id} (fingerprint ${short(dataset.fingerprint)}), but dataset ${dataset.id} in trainyard.db is other data (fingerprint ${short(other.fingerprint)}): the database was replaced or recreated since`,
      { run: runId, field: 'run', hint },
    );
  }
  throw new EngineError(
    'not-found',
    `run ${runId} was trained on dataset ${dataset.id} (fingerprint ${short(dataset.fingerprint)}), which trainyard.db no longer holds`,
    {
      run: runId,
      field: 'run',
      hint,
    },
  );
}
