import type { FilePreview, PreviewKind } from '../../common/contracts/api.ts';
import { catalogColumns, detectInteractionField } from './columns.ts';
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
    detected: kind === 'items' ? detectCatalog(file, columns) : detectInteractions(columns),
  };
}

function detectCatalog(file: string, columns: string[]): Record<string, string | null> {
  const found = catalogColumns(file, columns);
  return { id: found.id === null ? null : columns[found.id]!, title: found.title === null ? null : columns[found.title]! };
}

/** The column each interaction field would be read from without a mapping (null: the user must map one). */
function detectInteractions(columns: string[]): Record<string, string | null> {
  const name = (field: 'user' | 'item' | 'rating' | 'ts') => {
    const at = detectInteractionField(columns, field);
    return at === null ? null : columns[at]!;
  };
  return { user: name('user'), item: name('item'), rating: name('rating'), ts: name('ts') };
}
