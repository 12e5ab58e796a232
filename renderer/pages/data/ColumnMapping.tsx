import type { FilePreview, PreviewKind } from '../../../main/common/contracts/api.ts';

/** Canonical fields per file kind, and which of them the importer cannot do without. */
export const FIELDS: Record<PreviewKind, { field: string; label: string; required: boolean }[]> = {
  interactions: [
    { field: 'user', label: 'user', required: true },
    { field: 'item', label: 'item', required: true },
    { field: 'rating', label: 'rating', required: false },
    { field: 'ts', label: 'timestamp', required: true },
  ],
  items: [
    { field: 'id', label: 'item id', required: false },
    { field: 'title', label: 'title', required: false },
  ],
};

/** The column chosen for each field, starting from what the importer detected ('' = none). */
export function initialChoice(preview: FilePreview): Record<string, string> {
  return Object.fromEntries(FIELDS[preview.kind].map(({ field }) => [field, preview.detected[field] ?? '']));
}

/** The required fields no column is chosen for: the importer would refuse the file. */
export function missingFields(preview: FilePreview, choice: Record<string, string>): { field: string; label: string }[] {
  return FIELDS[preview.kind].filter((f) => f.required && !choice[f.field]);
}

/**
 * The `map` entries to send: only choices that differ from detection. The dataset fingerprint
 * includes the mapping, so restating what would be detected anyway would re-import identical data.
 */
export function mappingOverrides(preview: FilePreview, choice: Record<string, string>): Record<string, string> {
  const map: Record<string, string> = {};
  for (const { field } of FIELDS[preview.kind]) {
    const column = choice[field] ?? '';
    if (column !== '' && column !== preview.detected[field]) map[field] = column;
  }
  return map;
}

/** The first rows of a file as the importer reads them, with one select per canonical field. */
export function ColumnMapping({
  preview,
  choice,
  onChoice,
}: {
  preview: FilePreview;
  choice: Record<string, string>;
  onChoice: (field: string, column: string) => void;
}) {
  const fields = FIELDS[preview.kind];
  const fieldOf = new Map(fields.filter((f) => choice[f.field]).map((f) => [choice[f.field]!, f.label]));
  const missing = missingFields(preview, choice);
  return (
    <div className="stack" data-testid={`preview-${preview.kind}`}>
      <div className="muted small">
        {preview.file} · read as {preview.layout} · first {preview.rows.length} rows
      </div>
      <div className="row">
        {fields.map(({ field, label, required }) => {
          const detected = preview.detected[field];
          return (
            <label key={field} className="field">
              {label}
              {required ? '' : ' (optional)'}
              <select value={choice[field] ?? ''} onChange={(e) => onChoice(field, e.target.value)} data-testid={`map-${preview.kind}-${field}`}>
                {/* A detected field cannot be un-mapped: the importer would detect it again. */}
                {!detected && <option value="">— not mapped —</option>}
                {preview.columns.map((c) => (
                  <option key={c} value={c}>
                    {c}
                    {c === detected ? ' (detected)' : ''}
                  </option>
                ))}
              </select>
            </label>
          );
        })}
      </div>
      {missing.length > 0 && (
        <div className="error" role="alert" data-testid={`preview-${preview.kind}-missing`}>
          No column recognised for {missing.map((f) => f.label).join(', ')}: choose one above.
        </div>
      )}
      <div style={{ overflowX: 'auto' }}>
        <table className="data small" data-testid={`preview-${preview.kind}-table`}>
          <thead>
            <tr>
              {preview.columns.map((c) => (
                <th key={c}>
                  {c}
                  {fieldOf.has(c) && <div className="badge">{fieldOf.get(c)}</div>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, c) => (
                  <td key={c}>{cell.length > 60 ? `${cell.slice(0, 60)}…` : cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
