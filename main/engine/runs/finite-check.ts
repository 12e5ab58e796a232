import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';
import { loadNpy } from '../common/arrays.ts';

/**
 * Refuses a stage artifact whose float arrays hold NaN or +Infinity (an overflow, a division by
 * zero), so such a model is never published. -Infinity is allowed: scores use it to mark items
 * that are never recommended (e.g. below popularity's minimum count).
 */
export function checkFiniteArtifact(stageDir: string, stage: string): void {
  for (const name of readdirSync(stageDir)
    .filter((f) => f.endsWith('.npy'))
    .sort()) {
    const { data } = loadNpy(join(stageDir, name));
    if (data instanceof Int32Array) continue;
    const at = data.findIndex((x) => Number.isNaN(x) || x === Infinity);
    if (at < 0) continue;
    throw new EngineError('invalid-input', `${stage} produced a non-finite value (${data[at]} at index ${at} of ${name}), so the run is not published`, {
      file: join(stageDir, name),
      field: stage,
      hint: 'check the data for extreme values (ratings, timestamps) and the stage parameters; then train again',
    });
  }
}
