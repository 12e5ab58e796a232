import { useState } from 'react';
import type { OutsideListReport, RunMetrics } from '../../../main/common/contracts/runs.ts';
import { useCall } from '../../api/context.tsx';
import { FilePicker } from '../../components/FilePicker.tsx';
import { formatNumber } from '../../components/format.ts';
import { Card, ErrorBanner } from '../../components/ui.tsx';

const COUNTS: [string, (r: OutsideListReport) => number][] = [
  ['rows', (r) => r.rows],
  ['unknown users', (r) => r.unknownUsers.users],
  ['unknown items (rows)', (r) => r.unknownItems.rows],
  ['users without test items', (r) => r.notTestUsers.users],
  ['duplicate rows', (r) => r.duplicates],
  ['seen items removed', (r) => r.seenItems],
  ['rows past K', (r) => r.beyondK],
  ['test users without a list', (r) => r.missingUsers],
  ['lists shorter than K', (r) => r.shortLists],
];

/**
 * Top-K lists of other tools scored on this run's split (a picked file: user, item, rank or score),
 * with what became of every row of their files; `onScored` receives the run's updated metrics.
 */
export function OutsideListsCard({
  runId,
  external,
  onScored,
}: {
  runId: string;
  external: Record<string, OutsideListReport>;
  onScored: (metrics: RunMetrics) => void;
}) {
  const models = Object.keys(external);
  const callApi = useCall();
  const [file, setFile] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const score = () => {
    setBusy(true);
    setError(undefined);
    callApi('eval.run', { run: runId, recommendations: file, ...(name.trim() ? { name: name.trim() } : {}) })
      .then(onScored, setError)
      .finally(() => setBusy(false));
  };
  return (
    <Card title="Outside recommendations" testId="outside-lists">
      <p className="muted small">
        Score another tool&apos;s top-K lists (CSV or Parquet: user, item, and rank or score, in this dataset&apos;s ids) on this run&apos;s split, with the
        same seen filter and metrics; nothing in the file is dropped without being counted here.
      </p>
      <div className="row small">
        <span data-testid="outside-file">{file ? file.split(/[\\/]/).at(-1) : 'no file chosen'}</span>
        <FilePicker purpose="interactions" what="recommendations file" onChosen={setFile} testId="outside-file-input" />
        <input placeholder="name (default: the file name)" value={name} onChange={(e) => setName(e.target.value)} data-testid="outside-name" />
        <button type="button" className="primary" onClick={score} disabled={!file || busy} data-testid="outside-score">
          {busy ? 'Scoring…' : 'Score'}
        </button>
      </div>
      <ErrorBanner error={error} />
      {models.length > 0 && (
        <table className="data">
          <thead>
            <tr>
              <th>model</th>
              <th>file</th>
              {COUNTS.map(([label]) => (
                <th key={label} className="num">
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {models.map((model) => {
              const r = external[model]!;
              return (
                <tr key={model} data-testid={`outside-${model}`}>
                  <td>{model}</td>
                  <td title={`sha256 ${r.sha256}`}>
                    {r.file}{' '}
                    <span className="small muted">
                      by {r.order}, K = {r.k}
                    </span>
                  </td>
                  {COUNTS.map(([label, count]) => (
                    <td key={label} className="num">
                      {formatNumber(count(r))}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}
