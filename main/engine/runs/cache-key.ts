import { createHash } from 'node:crypto';

/** JSON with sorted object keys, so equal params hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A stage's cache key: a hash of everything its artifact depends on. */
export function stageCacheKey(parts: { stage: string; code: string; dataset: string; inputs: unknown; params: unknown }): string {
  return createHash('sha256').update(canonical(parts)).digest('hex').slice(0, 32);
}
