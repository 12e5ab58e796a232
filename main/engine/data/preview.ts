import type { FilePreview, PreviewKind } from '../contracts/api.ts';
import { EngineError } from '../contracts/errors.ts';
import { catalogColumns, interactionColumns } from './columns.ts';
import { detectLayout } from './layout.ts';
import { openRecords } from './records.ts';

export const PREVIEW_ROWS = 20;

/**
 * The first rows of a source file as the importer reads them, with the columns it would pick for
 * each canonical field (null: none recognised, the user must map one).
 */
export async function previewFile(file: string, kind: PreviewKind, maxRows = PREVIEW_ROWS): Promise<FilePreview> {
  const layout = await detectLayout(file);
  const reader = await openRecords(file, layout);
  const rows: string[][] = [];
  try {
    for await (const batch of reader.batches) {
      rows.push(...batch.rows.slice(0, maxRows - rows.length));
      if (rows.length >= maxRows) break;
    }
  } finally {
    await reader.close();
  }
  const { columns } = reader;
  const width = columns.length;
  return {
    file,
    kind,
    layout: layout.name,
    columns,
    rows: rows.map((r) => (r.length === width ? r : Array.from({ length: width }, (_, c) => r[c] ?? ''))),
    detected: kind === 'items' ? detectCatalog(file, columns) : detectInteractions(file, columns),
  };
}

function detectCatalog(file: string, columns: string[]): Record<string, string | null> {
  const found = catalogColumns(file, columns);
  return { id: found.id === null ? null : columns[found.id]!, title: found.title === null ? null : columns[found.title]! };
}

const REQUIRED = ['user', 'item', 'ts'] as const;

/**
 * interactionColumns fails as a whole when a required field is missing; to learn each field on its
 * own, the other required fields are pinned to some column so that only this field is detected.
 */
function detectInteractions(file: string, columns: string[]): Record<string, string | null> {
  if (columns.length === 0) return { user: null, item: null, rating: null, ts: null };
  const pin = columns[0]!;
  const pinned = (except: string | null) => Object.fromEntries(REQUIRED.filter((f) => f !== except).map((f) => [f, pin]));
  const detected: Record<string, string | null> = {};
  for (const field of REQUIRED) {
    try {
      detected[field] = columns[interactionColumns(file, columns, pinned(field))[field]]!;
    } catch (e) {
      if (!(e instanceof EngineError) || e.kind !== 'invalid-input') throw e;
      detected[field] = null;
    }
  }
  const rating = interactionColumns(file, columns, pinned(null)).rating;
  detected.rating = rating === null ? null : columns[rating]!;
  return { user: detected.user!, item: detected.item!, rating: detected.rating, ts: detected.ts! };
}
