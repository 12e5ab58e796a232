import { basename } from 'node:path';
import type { EngineErrorData } from '../common/contracts/errors.ts';

/** Absolute paths in text: file URLs, POSIX paths (not the tail of a URL or a relative path), Windows drive paths. */
const ABSOLUTE_PATH = /file:\/\/[^\s'"`,;()<>]+|(?<![\w.:/~\\-])\/[^\s'"`,;:()<>]+|(?<![\w])[A-Za-z]:\\[^\s'"`,;()<>]+/g;

/** Decides whether the user of a host may see an absolute path (the workspace, files they chose). */
export type RevealPath = (path: string) => boolean;

export function redactPaths(text: string, reveals: RevealPath): string {
  return text.replace(ABSOLUTE_PATH, (found) => {
    const path = found.startsWith('file://') ? decodeURIComponent(found.slice('file://'.length)) : found;
    return reveals(path) ? found : basename(path.replace(/\\/g, '/'));
  });
}

function redactValue(value: unknown, reveals: RevealPath, depth: number): unknown {
  if (typeof value === 'string') return redactPaths(value, reveals);
  if (depth > 4 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, reveals, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, reveals, depth + 1)]));
}

/**
 * An error as a page may see it: no stack trace, and absolute paths the user cannot see (the
 * engine's own files, system files) cut to their file name, in the message and the details.
 */
export function publicError(data: EngineErrorData, reveals: RevealPath): EngineErrorData {
  const { stack: _stack, ...rest } = data;
  return {
    ...rest,
    message: redactPaths(rest.message, reveals),
    ...(rest.details ? { details: redactValue(rest.details, reveals, 0) as Record<string, unknown> } : {}),
  };
}

function isErrorData(value: unknown): value is EngineErrorData {
  return (
    typeof value === 'object' && value !== null && typeof (value as EngineErrorData).kind === 'string' && typeof (value as EngineErrorData).message === 'string'
  );
}

/** Applies publicError to every `error` field of a result or event (jobs, runs and their stages carry them). */
export function publicErrorsIn<T>(value: T, reveals: RevealPath, depth = 0): T {
  if (depth > 4 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => publicErrorsIn(v, reveals, depth + 1)) as T;
  let copy: Record<string, unknown> | null = null;
  for (const [key, v] of Object.entries(value)) {
    const next = key === 'error' && isErrorData(v) ? publicError(v, reveals) : publicErrorsIn(v, reveals, depth + 1);
    if (next !== v) (copy ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return (copy ?? value) as T;
}
