import type { RunManifest } from '../../../main/common/contracts/runs.ts';
import { formatNumber } from '../../components/format.ts';
import { Card } from '../../components/ui.tsx';

type SplitSummary = NonNullable<RunManifest['split']>;

function tieRule(split: SplitSummary): string {
  if (split.ties === undefined) return 'log order (run made before tie rules)';
  return split.ties === 'random' ? `random, seed ${split.seed ?? '?'}` : 'all tied events held out together';
}

/** How the run's interactions were split: method, tie rule, and the users each rule touched. */
export function SplitCard({ split }: { split: SplitSummary }) {
  const rows: [string, string][] = [
    ['method', split.method],
    ['ties', tieRule(split)],
    ['users whose boundary fell inside a tie', split.tiedBoundaryUsers === undefined ? 'not counted' : formatNumber(split.tiedBoundaryUsers)],
    ['test users', formatNumber(split.testUsers)],
    ['training events', formatNumber(split.trainEvents)],
    ['users kept in training only', formatNumber(split.skippedUsers)],
    ['users with only repeat test items', formatNumber(split.repeatOnlyUsers)],
    ['training events dropped after the cutoff', formatNumber(split.droppedAfterCutoff)],
  ];
  return (
    <Card title="Split" testId="run-split">
      <table className="data">
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <td>{label}</td>
              <td className="num" data-testid={`split-${label.replaceAll(' ', '-')}`}>
                {value}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
