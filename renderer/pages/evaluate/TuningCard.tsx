import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunTuning } from '../../../main/common/contracts/runs.ts';
import { ChartFrame, axisProps, tooltipProps } from '../../charts/ChartFrame.tsx';
import { formatMetric, formatSeconds } from '../../components/format.ts';
import { Card } from '../../components/ui.tsx';

type Trial = RunTuning['trials'][number];

/** How a tuned run chose its params: every trial on the validation split, the score by trial and against each param. */
export function TuningCard({ tuning, onTrainWith }: { tuning: RunTuning; onTrainWith: () => void }) {
  return (
    <Card title="Tuning" testId="tuning">
      <p className="small muted">
        Trials on {tuning.validation.users} validation users: each user&apos;s last training event, carved out of the training part, so the test part was never
        used to choose. The run was then trained with the best trial&apos;s params. {tuning.stoppedEarly}
      </p>
      {tuning.stages.map((stage) => (
        <StageTrials key={stage} stage={stage} tuning={tuning} />
      ))}
      <button type="button" className="secondary" onClick={onTrainWith} data-testid="train-with-tuned">
        Train with these settings
      </button>
    </Card>
  );
}

function StageTrials({ stage, tuning }: { stage: string; tuning: RunTuning }) {
  const trials = tuning.trials.filter((t) => t.stage === stage);
  const ranges = tuning.ranges[stage] ?? [];
  const best = tuning.best[stage]?.trial;
  return (
    <div className="stack" data-testid={`tuning-${stage}`}>
      <h4>{stage}</h4>
      <div className="grid-2">
        <ScoreChart id={`${stage}-by-trial`} title="validation NDCG@10 by trial" x="trial" xLabel="trial" trials={trials} log={false} />
        {ranges.map((r) => (
          <ScoreChart
            key={r.key}
            id={`${stage}-${r.key}`}
            title={`validation NDCG@10 against ${r.key}${r.log ? ' (log scale)' : ''}`}
            x={r.key}
            xLabel={r.key}
            trials={trials}
            log={r.log}
          />
        ))}
      </div>
      <table className="data" data-testid={`tuning-trials-${stage}`}>
        <thead>
          <tr>
            <th className="num">trial</th>
            {ranges.map((r) => (
              <th key={r.key} className="num">
                {r.key}
              </th>
            ))}
            <th className="num">NDCG@10</th>
            <th className="num">Recall@10</th>
            <th className="num">time</th>
          </tr>
        </thead>
        <tbody>
          {trials.map((t) => (
            <tr key={t.trial} aria-current={t.trial === best ? 'true' : undefined} className={t.trial === best ? 'best' : undefined}>
              <td className="num">
                {t.trial}
                {t.trial === 1 ? ' (given)' : ''}
                {t.trial === best ? ' ★' : ''}
              </td>
              {ranges.map((r) => (
                <td key={r.key} className="num">
                  {t.params[r.key]}
                </td>
              ))}
              <td className="num">{formatMetric(t.ndcg10)}</td>
              <td className="num">{formatMetric(t.recall10)}</td>
              <td className="num">{formatSeconds(t.seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ScoreChart({ id, title, x, xLabel, trials, log }: { id: string; title: string; x: string; xLabel: string; trials: Trial[]; log: boolean }) {
  const points = trials.map((t) => ({ [x]: x === 'trial' ? t.trial : t.params[x], ndcg: t.ndcg10 }));
  return (
    <div>
      <div className="small muted">{title}</div>
      <ChartFrame testId={`chart-tuning-${id}`} height={180} description={`${title}: ${trials.length} trials`}>
        <ScatterChart margin={{ top: 8, right: 16, bottom: 24, left: 8 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
          <XAxis
            dataKey={x}
            type="number"
            scale={log ? 'log' : 'auto'}
            domain={['auto', 'auto']}
            name={xLabel}
            label={{ value: xLabel, position: 'insideBottom', offset: -12, fill: 'var(--muted)' }}
            {...axisProps}
          />
          <YAxis dataKey="ndcg" type="number" name="NDCG@10" width={64} tickFormatter={(v: number) => v.toFixed(3)} {...axisProps} />
          <Tooltip {...tooltipProps} />
          <Scatter data={points} fill="var(--series-1)" isAnimationActive={false} />
        </ScatterChart>
      </ChartFrame>
    </div>
  );
}
