import { ApiError, errorMessage } from '../api/errors.ts';
import { MetricSeriesChart } from '../charts/MetricSeriesChart.tsx';
import { etaSeconds, type TrackedJob } from '../state/jobs.tsx';
import { stageLabel } from '../state/stage-labels.ts';
import { formatSeconds } from './format.ts';
import { ProgressBar, StatusBadge } from './ui.tsx';

/** The progress stage a training run reports its stages done of stages planned under (runs/train-run.ts). */
const RUN_STAGE = 'run';

/** A job's live progress, shared by the Train and Classifier pages: overall bar, a bar and charts per stage, the log. */
export function JobProgressView({ job, running, onCancel }: { job: TrackedJob; running: boolean; onCancel: () => void }) {
  const info = job.info;
  const overall = job.stages[RUN_STAGE];
  const overallEta = overall ? etaSeconds(overall) : null;
  return (
    <div className="stack" data-testid="job-progress" data-state={info?.state ?? 'queued'}>
      <div className="row">
        <StatusBadge status={info?.state ?? 'queued'} />
        <span>{info?.label}</span>
        {running && (
          <button type="button" className="danger" onClick={onCancel} data-testid="cancel-job" style={{ marginLeft: 'auto' }}>
            Cancel
          </button>
        )}
      </div>
      {info?.state === 'cancelled' ? (
        <p className="muted" data-testid="job-cancelled">
          Cancelled{info.kind === 'train' ? ': LATEST unchanged' : ''}.
        </p>
      ) : (
        info?.error &&
        info.state !== 'succeeded' && (
          <div className="error" role="alert" data-testid="job-error">
            {errorMessage(new ApiError(info.error))}
          </div>
        )
      )}
      {overall && (
        <div className="stack" data-testid="overall-progress">
          <div className="row small">
            <strong>{stageLabel(RUN_STAGE)}</strong>
            <span>
              {overall.current} of {overall.total} stages
            </span>
            <span className="muted">{formatSeconds((overall.updatedAt - overall.startedAt) / 1000)} elapsed</span>
            {running && overallEta !== null && <span className="muted">about {formatSeconds(overallEta)} left</span>}
          </div>
          <ProgressBar current={overall.current} total={overall.total} label="overall progress" />
        </div>
      )}
      {job.stageOrder
        .filter((name) => name !== RUN_STAGE)
        .map((name) => {
          const stage = job.stages[name]!;
          const eta = etaSeconds(stage);
          const elapsed = (stage.updatedAt - stage.startedAt) / 1000;
          return (
            <div key={name} className="stack" data-testid={`stage-progress-${name}`}>
              <div className="row small">
                <strong>{stageLabel(name)}</strong>
                <span>
                  {stage.current} / {stage.total} {stage.unit}
                </span>
                {elapsed > 0 && stage.current > 0 && (
                  <span className="muted">
                    {(stage.current / elapsed).toFixed(1)} {stage.unit}/s
                  </span>
                )}
                {running && eta !== null && <span className="muted">ETA {formatSeconds(eta)}</span>}
                {Object.keys(stage.series).map((metric) => (
                  <span key={metric} className="muted">
                    {metric} {stage.metrics?.[metric]?.toPrecision(5)}
                  </span>
                ))}
              </div>
              <ProgressBar current={stage.current} total={stage.total} label={`${stageLabel(name)} progress`} />
              {Object.entries(stage.series).map(([metric, points]) => (
                <MetricSeriesChart key={metric} stage={name} metric={metric} points={points} unit={stage.unit} />
              ))}
            </div>
          );
        })}
      {job.logs.length > 0 && (
        <div className="log" data-testid="job-log" role="log" aria-label="Job log">
          {job.logs.map((l, i) => (
            <div key={i} className={l.level}>
              {l.time.slice(11, 19)} {l.level} {l.message}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
