import { migration as stageCache } from './001_stage_cache.ts';
import { migration as datasets } from './002_datasets.ts';
import { migration as datasetOwner } from './003_dataset_owner.ts';
import { migration as datasetStorage } from './004_dataset_storage.ts';
import type { Migration } from './types.ts';

/** Every migration, in version order: listed statically, so that a bundle of the engine carries them. */
export const MIGRATIONS: readonly Migration[] = [stageCache, datasets, datasetOwner, datasetStorage];
