import type { StageRecord } from '../../../main/common/contracts/runs.ts';
import { formatSeconds } from '../../components/format.ts';
import { Card, StatusBadge } from '../../components/ui.tsx';
import { effectiveEntries, fallbackNotes } from './stage-effective.ts';

/** Each stage of a run: its status, training time, and what really ran (provider, device, index, fallbacks). */
export function StagesCard({ stages }: { stages: StageRecord[] }) {
  if (stages.length === 0) return null;
  return (
    <Card title="Stages" testId="run-stages">
      <table className="data">
        <thead>
          <tr>
            <th>stage</th>
            <th>status</th>
            <th className="num">seconds</th>
            <th>what ran</th>
          </tr>
        </thead>
        <tbody>
          {stages.map((s) => {
            const notes = fallbackNotes(s);
            return (
              <tr key={s.name} data-testid={`stage-${s.name}`}>
                <td>{s.name}</td>
                <td>
                  <StatusBadge status={s.status} />
                  {s.cachedFrom && <div className="small muted">from {s.cachedFrom}</div>}
                  {s.error && <div className="small muted">{s.error.message}</div>}
                </td>
                <td className="num">{formatSeconds(s.seconds)}</td>
                <td className="small">
                  {notes.map((n) => (
                    <div key={n} className="stage-fallback" data-testid="stage-fallback">
                      {n}
                    </div>
                  ))}
                  {effectiveEntries(s.effective).map((e) => (
                    <span key={e.key} className="effective">
                      {e.key}: <code>{e.value}</code>{' '}
                    </span>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Card>
  );
}
