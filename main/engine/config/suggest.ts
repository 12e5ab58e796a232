import type { z } from 'zod';
import { configSchema } from './schema.ts';

/** The object schema under optional/default/prefault wrappers, or null for a leaf. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  let node = schema as unknown as { shape?: Record<string, z.ZodType>; def?: { innerType?: z.ZodType } };
  while (!node.shape && node.def?.innerType) node = node.def.innerType as unknown as typeof node;
  return node.shape ?? null;
}

/** Every key path of trainyard.yaml, sections and their keys: stages, als, als.factors, … */
function keyPaths(shape: Record<string, z.ZodType> = objectShape(configSchema)!, prefix = ''): string[] {
  return Object.entries(shape).flatMap(([key, child]) => {
    const path = prefix + key;
    const inner = objectShape(child);
    return inner ? [path, ...keyPaths(inner, `${path}.`)] : [path];
  });
}

const KNOWN = keyPaths();

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The known key an unknown one was most likely meant to be: a near spelling (als.factor → als.factors)
 * or the same key in its section (factors → als.factors); undefined when nothing is close.
 */
export function closestKey(unknown: string): string | undefined {
  const leaf = unknown.split('.').pop()!.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const key of KNOWN) {
    const distance = Math.min(editDistance(unknown.toLowerCase(), key.toLowerCase()), key.split('.').pop()!.toLowerCase() === leaf ? 1 : Infinity);
    if (!best || distance < best.distance) best = { key, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(unknown.length / 4)) ? best.key : undefined;
}
