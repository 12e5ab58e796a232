import type { StageRecord } from '../../../main/common/contracts/runs.ts';

export interface EffectiveEntry {
  /** dotted path into the stage's `effective` record, e.g. "store.factory" */
  key: string;
  value: string;
}

const LONG_VALUE = 80;

/** A stage's `effective` record (what really ran) as flat key/value rows, nested records as dotted keys, fractions to 4 digits. */
export function effectiveEntries(effective: Record<string, unknown> | undefined, prefix = ''): EffectiveEntry[] {
  if (!effective) return [];
  return Object.entries(effective).flatMap(([k, v]): EffectiveEntry[] => {
    const key = prefix + k;
    if (v === undefined || v === null) return [];
    if (typeof v === 'object' && !Array.isArray(v)) return effectiveEntries(v as Record<string, unknown>, `${key}.`);
    const text = Array.isArray(v) ? v.join(', ') : typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : String(v);
    return [{ key, value: text.length > LONG_VALUE ? `${text.slice(0, LONG_VALUE - 1)}…` : text }];
  });
}

/**
 * Sentences for what ran differently from what the config asked: a device the machine did not
 * offer, a vector store that could not be loaded, a baseline that fell back to another kind.
 */
export function fallbackNotes(stage: StageRecord): string[] {
  const e = stage.effective ?? {};
  const notes: string[] = [];
  if (typeof e.requestedDevice === 'string') notes.push(`asked for device ${e.requestedDevice}, ran on ${String(e.device)}`);
  const store = e.store as { kind?: string; fallbackFrom?: { kind: string; reason: string } } | undefined;
  if (store?.fallbackFrom)
    notes.push(`the ${store.fallbackFrom.kind} vector store could not be used (${store.fallbackFrom.reason}); used ${String(store.kind)}`);
  if (typeof e.fallback === 'string') notes.push(`fell back to ${e.fallback}${typeof e.reason === 'string' ? `: ${e.reason}` : ''}`);
  return notes;
}
