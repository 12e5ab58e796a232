import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { EngineRequest, RequestArg } from '../common/contracts/api.ts';
import { EngineError } from '../common/contracts/errors.ts';
import { resolveConfig } from './config/load.ts';
import { classifyParams } from './runs/classify-run.ts';
import { RUN_ID } from './runs/registry.ts';

/**
 * Which files requests may name. `anywhere`: every path the user typed (the CLI). `workspace`: the
 * hosts that serve a page (browser mode, the desktop app) reach only the workspace, where browser-mode
 * uploads land, plus the files the host granted because the user picked or dropped them.
 */
export type FileAccess =
  | { scope: 'anywhere' }
  | {
      scope: 'workspace';
      /** files the user chose in this session (the desktop app's open dialog and drops), as absolute paths */
      granted?: { has(path: string): boolean };
      /** how the user of this host brings in a file, for the refusal's hint */
      hint?: string;
    };

export const ANYWHERE: FileAccess = { scope: 'anywhere' };

/** True when `path` is `root` or below it (both absolute). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest (for outputs not yet created). */
function realPath(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  const parent = dirname(path);
  return parent === path ? path : resolve(realPath(parent), relative(parent, path));
}

interface PathUse {
  field: string;
  path: string;
  /** outputs must be inside the workspace; granted files are for reading */
  write?: true;
}

/** The file-system paths a request would read or write. */
function pathsOf<K extends EngineRequest>(name: K, raw: RequestArg<K>): PathUse[] {
  switch (name) {
    case 'data.generate':
      return [{ field: 'out', path: (raw as RequestArg<'data.generate'>).out, write: true }];
    case 'data.import':
    case 'data.previewPreparation': {
      const arg = raw as RequestArg<'data.import'>;
      return [...(arg.interactions ? [{ field: 'interactions', path: arg.interactions }] : []), ...(arg.items ? [{ field: 'items', path: arg.items }] : [])];
    }
    case 'data.preview':
      return [{ field: 'file', path: (raw as RequestArg<'data.preview'>).file }];
    case 'eval.run': {
      const { recommendations } = raw as RequestArg<'eval.run'>;
      return recommendations ? [{ field: 'recommendations', path: recommendations }] : [];
    }
    case 'train.start': {
      const { configPath } = raw as RequestArg<'train.start'>;
      return configPath ? [{ field: 'configPath', path: configPath }] : [];
    }
    case 'config.resolve':
      return [{ field: 'configPath', path: (raw as RequestArg<'config.resolve'>).configPath }];
    case 'classify.train': {
      const arg = raw as RequestArg<'classify.train'>;
      const compareTo = compareToPath(arg.set);
      return [{ field: 'data', path: arg.data }, ...(compareTo ? [{ field: 'compareTo', path: compareTo }] : [])];
    }
    default:
      return [];
  }
}

/** compareTo names a run id or, as a path, an earlier classifier run's folder. */
function compareToPath(set: readonly string[] | undefined): string | null {
  let compareTo: unknown;
  try {
    compareTo = classifyParams(set).compareTo;
  } catch {
    return null; // the classifier job reports a bad --set
  }
  return typeof compareTo === 'string' && !RUN_ID.test(compareTo) ? compareTo : null;
}

/** The data files and model folder of the merged config, resolved as the training job will. */
function configPaths(arg: RequestArg<'train.start'>): PathUse[] {
  let config;
  try {
    config = resolveConfig({ ...(arg.configPath ? { configPath: arg.configPath } : {}), config: arg.config, ...(arg.set ? { set: arg.set } : {}) }).config;
  } catch {
    return []; // the training job reports a bad config, before it reads any data
  }
  return [
    ...(config.data.interactions ? [{ field: 'data.interactions', path: config.data.interactions }] : []),
    ...(config.data.items ? [{ field: 'data.items', path: config.data.items }] : []),
    ...(config.semantic.modelPath ? [{ field: 'semantic.modelPath', path: config.semantic.modelPath }] : []),
  ];
}

/**
 * Refuses a request that names a file its host may not reach, before anything is read or written.
 * The one place where every host's file policy is enforced.
 */
export function checkFileAccess<K extends EngineRequest>(access: FileAccess, workspace: string, name: K, arg: RequestArg<K>): void {
  if (access.scope === 'anywhere') return;
  const root = realPath(workspace);
  const check = (use: PathUse): void => {
    const abs = resolve(use.path);
    if (isInside(realPath(abs), root)) return;
    if (!use.write && access.granted?.has(abs)) return;
    const where = use.write ? 'outputs go inside the workspace' : 'files come from the workspace or are picked by you';
    throw new EngineError('invalid-input', `${name}: ${use.field} ${use.path} is outside the workspace: ${where}`, {
      field: use.field,
      hint: access.hint ?? `put the file under ${workspace}`,
    });
  };
  for (const use of pathsOf(name, arg)) check(use);
  // Only a config file the host may read is opened to find the paths inside it.
  if (name === 'train.start') for (const use of configPaths(arg as RequestArg<'train.start'>)) check(use);
}
