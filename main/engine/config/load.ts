import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { EngineError, clipText } from '../../common/contracts/errors.ts';
import { checkRegularFile } from '../data/input-file.ts';
import { configSchema, type TrainyardConfig } from './schema.ts';
import { closestKey } from './suggest.ts';

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Values of `--set a.b=value` are YAML scalars: numbers, booleans, lists like [5,10] or plain strings. */
function parseSetValue(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}

export function applySet(config: Plain, assignment: string): Plain {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new EngineError('invalid-input', `--set ${clipText(assignment)}: expected key.path=value`, { field: clipText(assignment) });
  const path = assignment.slice(0, eq).split('.');
  const value = parseSetValue(assignment.slice(eq + 1));
  const root: Plain = structuredClone(config);
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (!isPlain(next))
      throw new EngineError('invalid-input', `--set ${clipText(assignment)}: ${clipText(key)} is not a section`, { field: path.join('.') });
    node = node[key] as Plain;
  }
  node[path[path.length - 1]!] = value;
  return root;
}

function merge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlain(v) && isPlain(out[k]) ? merge(out[k] as Plain, v) : v;
  return out;
}

function withSuggestion(key: string): string {
  const known = closestKey(key);
  return known ? `${key} (did you mean ${known}?)` : key;
}

function formatIssues(error: z.ZodError, source: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.') || '(root)';
      if (issue.code === 'unrecognized_keys') return `${source}: unknown key ${issue.keys.map((k) => withSuggestion([...issue.path, k].join('.'))).join(', ')}`;
      return `${source}: ${path}: ${issue.message}`;
    })
    .join('\n');
}

export interface ResolvedConfig {
  /** the config as given: file merged with inline config and --set overrides */
  given: Plain;
  /** every default filled in, data paths absolute */
  config: TrainyardConfig;
}

/** Reads trainyard.yaml (optional), merges the inline config and `--set` overrides, validates. */
export function resolveConfig(opts: { configPath?: string; config?: unknown; set?: string[]; cwd?: string }): ResolvedConfig {
  const cwd = opts.cwd ?? process.cwd();
  let given: Plain = {};
  let baseDir = cwd;
  let source = opts.set?.length ? '--set' : 'config';
  if (opts.configPath) {
    const file = resolve(cwd, opts.configPath);
    if (!existsSync(file)) throw new EngineError('invalid-input', `config file ${file} does not exist`, { file });
    checkRegularFile(file);
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new EngineError('invalid-input', `${file}: not valid YAML: ${clipText((err as Error).message, 500)}`, { file });
    }
    if (parsed != null && !isPlain(parsed)) throw new EngineError('invalid-input', `${file}: expected a mapping of keys at the top level`, { file });
    given = (parsed as Plain | null) ?? {};
    baseDir = dirname(file);
    source = file;
  }
  if (opts.config !== undefined) {
    if (!isPlain(opts.config)) throw new EngineError('invalid-input', 'config must be an object');
    given = merge(given, opts.config);
  }
  for (const assignment of opts.set ?? []) given = applySet(given, assignment);
  const parsed = configSchema.safeParse(given);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const field = [...first.path, ...(first.code === 'unrecognized_keys' ? [first.keys[0]!] : [])].join('.');
    throw new EngineError('invalid-input', formatIssues(parsed.error, source), { source, ...(field ? { field } : {}) });
  }
  const config = parsed.data;
  const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(baseDir, p));
  const interactions = abs(config.data.interactions);
  const items = abs(config.data.items);
  config.data = { ...config.data, ...(interactions ? { interactions } : {}), ...(items ? { items } : {}) };
  return { given, config };
}
