/**
 * Import throughput: writes an N-row interaction CSV to a temp dir, imports it into a fresh
 * workspace and prints rows/s, wall and CPU seconds per step, the time to load the events back and peak RSS,
 * beside the reference: DuckDB's own read of the same file into a table (read_csv, auto-detected).
 *   node tests/bench/import.bench.ts [--rows N]   (default 10M)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlText } from '../../main/engine/data/duck.ts';
import { openUserEvents } from '../../main/engine/store/dataset-files.ts';
import { importDataset, loadInteractions } from '../../main/engine/store/datasets.ts';
import { openWorkspaceDb } from '../../main/engine/store/db.ts';
import { writeInteractionCsv } from './interaction-csv.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000000' } } });
const rows = Number(values.rows);
const dir = mkdtempSync(join(tmpdir(), 'trainyard-import-bench-'));

/** Seconds DuckDB takes to read the file into a table by itself, with its defaults: the floor an import on DuckDB can reach. */
async function duckdbRead(path: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const start = performance.now();
    await conn.run(`CREATE TABLE t AS SELECT * FROM read_csv(${sqlText(path)})`);
    return (performance.now() - start) / 1e3;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

try {
  const csv = join(dir, 'interactions.csv');
  await writeInteractionCsv(csv, rows);
  const db = await openWorkspaceDb(join(dir, 'workspace.db'));
  const ctx = silentContext();
  // wall and CPU seconds per step, told apart by the import's progress reports ('fingerprint' runs
  // until the first one; the steps of a stage report 0, 1, … of their total)
  const STEPS: Record<string, string> = {
    'import 0': 'read and check',
    'import 2': 'prepare',
    'store 0': 'dictionaries, collapse, sort and write',
    'store 1': 'profile',
    'store 2': 'record',
  };
  const stages: Record<string, { wall: number; cpu: number }> = {};
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let last = { wall: performance.now(), cpu: cpu() };
  let stage = 'fingerprint';
  const close = () => {
    const now = { wall: performance.now(), cpu: cpu() };
    stages[stage] = { wall: (now.wall - last.wall) / 1e3, cpu: now.cpu - last.cpu };
    last = now;
  };
  ctx.progress = (u) => {
    const step = STEPS[`${u.stage} ${u.current}`] ?? `${u.stage} ${u.current}`;
    if (step !== stage) {
      close();
      stage = step;
    }
  };
  const start = { wall: performance.now(), cpu: cpu() };
  const profile = await importDataset(db, { interactions: csv }, ctx);
  const seconds = (performance.now() - start.wall) / 1e3;
  const importPeak = process.resourceUsage().maxRSS / 1024;
  const cpuSeconds = cpu() - start.cpu;
  close();
  const loadStart = performance.now();
  const table = await loadInteractions(db, profile.datasetId);
  const loadSeconds = (performance.now() - loadStart) / 1e3;
  // before the reference below holds the whole file in memory
  const loadPeak = process.resourceUsage().maxRSS / 1024;
  // what serving does per request: one user's events from the file
  const reader = await openUserEvents(db, profile.datasetId);
  const perUser: number[] = [];
  for (let k = 0; k < 20; k++) {
    const t0 = performance.now();
    await reader.of(Math.floor((k * profile.users) / 20));
    perUser.push(performance.now() - t0);
  }
  reader.close();
  const reference = await duckdbRead(csv);
  db.close();
  const mb = (statSync(csv).size / 2 ** 20).toFixed(0);
  console.log(
    `rows: ${rows} (${mb} MiB CSV) → ${profile.interactions} interactions, ${profile.users} users, ${profile.items} items, ${profile.duplicatesDropped} duplicates dropped`,
  );
  const perStage = Object.entries(stages).map(([s, t]) => `${s} ${t.wall.toFixed(2)} s wall / ${t.cpu.toFixed(2)} s cpu`);
  console.log(`import: ${seconds.toFixed(2)} s wall, ${Math.round(rows / seconds).toLocaleString('en')} rows/s (${perStage.join('; ')})`);
  console.log(
    `cpu: ${cpuSeconds.toFixed(2)} s, ${Math.round(rows / cpuSeconds).toLocaleString('en')} rows per cpu-second; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  );
  console.log(`loadInteractions: ${table.user.length} events in ${loadSeconds.toFixed(2)} s`);
  perUser.sort((a, b) => a - b);
  console.log(`one user's events for serving (20 users): median ${perUser[10]!.toFixed(1)} ms, max ${perUser[19]!.toFixed(1)} ms`);
  console.log(
    `reference, DuckDB read_csv of the same file into a table: ${reference.toFixed(2)} s, ${Math.round(rows / reference).toLocaleString('en')} rows/s; ` +
      `import takes ${(seconds / reference).toFixed(2)}× its time`,
  );
  console.log(
    `peak RSS: ${importPeak.toFixed(0)} MiB through the import, ${loadPeak.toFixed(0)} MiB with the events loaded (the CSV was written first, by this process)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
