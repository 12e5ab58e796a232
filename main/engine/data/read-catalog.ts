import { basename } from 'node:path';
import { EngineError, clipText, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { CONTROL_CHAR, catalogColumns, columnList, controlCharProblem } from './columns.ts';
import { detectLayout } from './layout.ts';
import { openRecords } from './records.ts';
import type { ItemCatalog } from './types.ts';

export interface ParsedCatalog extends ItemCatalog {
  layout: string;
  /** item ids in catalog order */
  ids: string[];
  /** title per item ('' when the catalog has no title column) */
  titles: string[];
  titleColumn: string | null;
  duplicateIds: number;
}

/** Reads an item catalog; every column is kept as text. Repeated ids keep their first row. */
export async function readCatalog(path: string, map: Record<string, string> | undefined, ctx: TaskContext): Promise<ParsedCatalog> {
  const file = basename(path);
  const layout = await detectLayout(path);
  const reader = await openRecords(path, layout);
  try {
    const cols = catalogColumns(path, reader.columns, map);
    const columns = [...reader.columns];
    let idColumn: string;
    if (cols.id === null) {
      idColumn = columns.includes('item_id') ? 'row' : 'item_id';
      columns.unshift(idColumn);
      ctx.log('info', `${file}: no item id column among ${columnList(reader.columns)}; the row number serves as the id (${idColumn})`);
    } else idColumn = columns[cols.id]!;
    const idName = clipText(idColumn);
    const titleColumn = cols.title === null ? null : reader.columns[cols.title]!;
    const seen = new Set<string>();
    const rows: Record<string, string>[] = [];
    const ids: string[] = [];
    const titles: string[] = [];
    let duplicateIds = 0;
    let rowNumber = 0;
    for await (const batch of reader.batches) {
      throwIfCancelled(ctx.signal);
      for (let r = 0; r < batch.rows.length; r++) {
        const values = batch.rows[r]!;
        rowNumber++;
        const id = cols.id === null ? String(rowNumber) : (values[cols.id] ?? '').trim();
        if (!id) {
          const where = reader.position === 'line' ? 'line' : 'row';
          throw new EngineError('invalid-input', `${file} ${where} ${batch.lines[r]}, column "${idName}": the item id is empty; fill it in or remove the row`, {
            file: path,
            line: batch.lines[r],
            column: idName,
          });
        }
        if (CONTROL_CHAR.test(id)) {
          const where = reader.position === 'line' ? 'line' : 'row';
          throw new EngineError(
            'invalid-input',
            `${file} ${where} ${batch.lines[r]}, column "${idName}": ${controlCharProblem('item', id)}; remove the control characters or the row`,
            {
              file: path,
              line: batch.lines[r],
              column: idName,
            },
          );
        }
        if (seen.has(id)) {
          duplicateIds++;
          continue;
        }
        seen.add(id);
        const row: Record<string, string> = {};
        if (cols.id === null) row[idColumn] = id;
        reader.columns.forEach((c, k) => (row[c] = values[k] ?? ''));
        rows.push(row);
        ids.push(id);
        titles.push(cols.title === null ? '' : (values[cols.title] ?? ''));
      }
      ctx.progress({ stage: 'import', current: rowNumber, total: Math.max(rowNumber, Math.round(rowNumber / Math.max(reader.done(), 1e-9))), unit: 'rows' });
    }
    if (rows.length === 0)
      throw new EngineError('invalid-input', `${file}: the catalog has a header but no items`, { file: path, hint: 'export the catalog again' });
    if (duplicateIds) ctx.log('warn', `${file}: ${duplicateIds} rows repeat an item id already seen; the first row of each id is kept`);
    return { idColumn, columns, rows, layout: layout.name, ids, titles, titleColumn, duplicateIds };
  } finally {
    await reader.close();
  }
}
