import { constants } from 'node:os';

/** The signals that ask a CLI process to stop: Ctrl-C, `kill`, a closed terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];

let received: StopSignal | null = null;

/**
 * Until the returned function is called, the first stop signal calls `stop` (which cancels the
 * work so it records how it ended) and a second one exits at once, for work that does not stop.
 */
export function onStopSignal(stop: () => void): () => void {
  const handler = (signal: StopSignal): void => {
    if (received) process.exit(stoppedExitCode());
    received = signal;
    stop();
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of STOP_SIGNALS) process.off(s, handler);
  };
}

/** The shell's code for a process ended by the signal it received: 128 + its number (130 for Ctrl-C). */
export function stoppedExitCode(): number {
  return 128 + constants.signals[received ?? 'SIGINT'];
}
