import type { OutsideListReport } from '../../../main/engine/contracts/runs.ts';
import { formatNumber } from '../../components/format.ts';
import { Card } from '../../components/ui.tsx';

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

/** Top-K lists of other tools scored on this run's split, with what became of every row of their files. */
export function OutsideListsCard({ external }: { external: Record<string, OutsideListReport> }) {
  const models = Object.keys(external);
  if (models.length === 0) return null;
  return (
    <Card title="Outside recommendations" testId="outside-lists">
      <p className="muted small">Scored on this run&apos;s split with the same seen filter and metrics; nothing in the files is dropped without being counted here.</p>
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
                  {r.file} <span className="small muted">by {r.order}, K = {r.k}</span>
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
    </Card>
  );
}
