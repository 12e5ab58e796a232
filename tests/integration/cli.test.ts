import { parse } from 'csv-parse/sync';
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../../bin/trainyard.js', import.meta.url).pathname;

async function trainyard(ws: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--workspace', ws, ...args], { maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('trainyard CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-cli-'));
  const ws = join(dir, 'ws');
  const sample = join(dir, 'sample');

  beforeAll(async () => {
    const gen = await trainyard(ws, 'data', 'generate', '--out', sample, '--users', '400', '--items', '200', '--interactions', '8000', '--seed', '5');
    expect(gen.code, gen.stderr).toBe(0);
  });

  it('train --json reports metrics per model and training timings, and LATEST points at the run', async () => {
    const r = await trainyard(
      ws,
      '--json',
      'train',
      '--interactions',
      join(sample, 'interactions.csv'),
      '--items',
      join(sample, 'items.csv'),
      '--set',
      'als.factors=8',
      '--set',
      'als.iterations=3',
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { runId: string; runDir: string; metrics: Record<string, Record<string, number>>; timings: Record<string, number> };
    // the printed metrics are the run's stored ones, and the generated sample is learnable
    const stored = JSON.parse(readFileSync(join(out.runDir, 'metrics.json'), 'utf8')) as { models: Record<string, Record<string, number>> };
    for (const model of ['popularity', 'bayes-popularity', 'als']) {
      expect(out.metrics[model]!['recall@10']).toBe(stored.models[model]!['recall@10']);
      expect(out.metrics[model]!['ndcg@10']).toBe(stored.models[model]!['ndcg@10']);
    }
    expect(out.metrics.popularity!['ndcg@10']).toBeGreaterThan(0);
    expect(out.metrics.als!['ndcg@10']).toBeGreaterThan(0);
    expect(out.timings.als).toBeGreaterThan(0);
    expect(out.runDir).toBe(join(ws, 'runs', out.runId));
    expect(readFileSync(join(ws, 'LATEST'), 'utf8').trim()).toBe(out.runId);

    const rec = await trainyard(ws, '--json', 'recommend', '--run', 'latest', '--user', 'u1', '--k', '5');
    expect(rec.code, rec.stderr).toBe(0);
    expect((JSON.parse(rec.stdout) as { items: unknown[] }).items).toHaveLength(5);

    const list = await trainyard(ws, 'runs', 'list');
    expect(list.stdout).toContain(`* ${out.runId}`);
  });

  it('eval --recommendations scores outside top-K lists on the run, reporting every row it could not use', async () => {
    const show = await trainyard(ws, 'runs', 'show', 'latest');
    expect(show.stdout).toMatch(/split last1, ties broken at random \(seed 42\); \d+ users' boundary fell inside a tie: \d+ test users/);
    const runDir = join(ws, 'runs', readFileSync(join(ws, 'LATEST'), 'utf8').trim());
    const rows = (parse(readFileSync(join(runDir, 'als', 'per_user.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).slice(0, 3);
    const lines = ['user,item,rank'];
    for (const row of rows) (JSON.parse(row.top_items!) as string[]).forEach((item, r) => lines.push(`${row.user},${item},${r + 1}`));
    lines.push('ghost,i1,1');
    const file = join(dir, 'tool.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await trainyard(ws, 'eval', '--run', 'latest', '--recommendations', file, '--name', 'tool');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('external:tool: ' + (lines.length - 1) + ' rows from tool.csv for 4 users, ordered by rank');
    expect(r.stdout).toMatch(/unknown users: +1 \(1 rows\) \(e\.g\. ghost\)/);
    expect(r.stdout).toMatch(/test users without list: +\d+/);
    expect(r.stdout).toMatch(/^external:tool +\d\.\d{4}/m);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'user,item,rank\nu1,i1,first\n');
    const refused = await trainyard(ws, 'eval', '--run', 'latest', '--recommendations', bad);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/bad\.csv line 2: rank "first" is not a number/);
  });

  it('compare pairs two models of a run: numbers, deltas, intervals, Holm-adjusted p-values and a verdict', async () => {
    const r = await trainyard(ws, 'compare', 'latest:popularity', 'latest:als');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^als {2}vs {2}popularity {2}\(b − a, K = 10\)\n\d+ users paired; paired t-test and Wilcoxon signed-rank/);
    expect(r.stdout).toMatch(/^ndcg@10 +\d\.\d{4} +\d\.\d{4} +-?\d\.\d{4} +\[-?\d\.\d{4}, -?\d\.\d{4}\]/m);
    expect(r.stdout).toContain('(hitrate@10 equals recall@10 here: every user has one test item)');
    expect(r.stdout).toMatch(/^(als beats popularity|popularity beats als|no significant difference between als and popularity|NDCG@10: inconclusive)/m);
    for (const command of ['eval', 'compare', 'train']) {
      const help = await trainyard(ws, command, '--help');
      expect(help.stdout).toContain('NDCG@K         Σ_{r≤K} hit(r)/log2(r+1) ÷ Σ_{r≤min(K,|T|)} 1/log2(r+1)');
      expect(help.stdout).toContain('Under last1 (one test item per user) HitRate@K equals Recall@K and MRR@K equals MAP@K.');
    }
    expect((await trainyard(ws, 'train', '--help')).stdout.replace(/\s+/g, ' ')).toContain('--set hybrid.cf=als|itemknn|ease, default als');
    const same = await trainyard(ws, 'compare', 'latest:als', 'latest:als');
    expect(same.code).not.toBe(0);
    expect(same.stderr).toMatch(/pick two models, or two runs/);
  });

  it('search --json says which query words the model used; none known is "no match" naming them', async () => {
    const train = await trainyard(ws, '--json', 'train', '--items', join(sample, 'items.csv'), '--stages', 'semantic', '--set', 'promote=never');
    expect(train.code, train.stderr).toBe(0);
    const { runId } = JSON.parse(train.stdout) as { runId: string };
    const found = await trainyard(ws, '--json', 'search', 'garlic zorgle', '--run', runId, '--k', '3');
    expect(found.code, found.stderr).toBe(0);
    const out = JSON.parse(found.stdout) as { results: unknown[]; query: { used: string[]; unknown: string[] } };
    expect(out.query).toEqual({ used: ['garlic'], unknown: ['zorgle'] });
    expect(out.results).toHaveLength(3);
    const none = await trainyard(ws, 'search', 'zorgle flurbo', '--run', runId);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('no match: the model knows none of the words zorgle, flurbo\n');
  });

  it('bad input exits non-zero with the file, line and column and writes no run', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'user_id,item_id,rating,timestamp\nu1,i1,5,1600000000\nu2,i2,five,1600000001\n');
    const before = (await trainyard(ws, '--json', 'runs', 'list')).stdout;
    const r = await trainyard(ws, 'data', 'import', bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.csv/);
    expect(r.stderr).toMatch(/line:? 3/);
    expect(r.stderr).toMatch(/rating/);
    expect((await trainyard(ws, '--json', 'runs', 'list')).stdout).toBe(before);
  });

  it('rejects an unknown config key with its path', async () => {
    const r = await trainyard(ws, 'train', '--set', 'als.factor=3');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown key als\.factor \(did you mean als\.factors\?\)/);
  });

  it('eval --k prints a table for every K asked, and similar names the run that answered', async () => {
    const latest = readFileSync(join(ws, 'LATEST'), 'utf8').trim();
    const r = await trainyard(ws, 'eval', '--run', 'latest', '--k', '5,20');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^K = 5\nmodel +recall@5 +ndcg@5/m);
    expect(r.stdout).toMatch(/^K = 20\nmodel +recall@20 +ndcg@20/m);
    const similar = await trainyard(ws, 'similar', '--item', 'i00001', '--k', '3');
    expect(similar.code, similar.stderr).toBe(0);
    expect(similar.stdout.split('\n')[0]).toBe(`similar to i00001 · run ${latest}`);
  });

  it('describes every command in its help', async () => {
    const groups = [[], ['data'], ['runs'], ['classify']];
    const helps = await Promise.all(groups.map(async (group) => (await trainyard(ws, ...group, '--help')).stdout));
    for (const [i, help] of helps.entries()) {
      const group = groups[i]!;
      const commands = help.slice(help.indexOf('Commands:')).split('\n').slice(1);
      // a command line is indented by two spaces; its description follows after at least two more
      for (const line of commands.filter((l) => /^ {2}\S/.test(l))) expect(line, `${group.join(' ')}: ${line}`).toMatch(/\S {2,}\S/);
    }
  });

  it('accepts only run ids as runs: no paths, no trailing slash, not even to LATEST', async () => {
    const latest = readFileSync(join(ws, 'LATEST'), 'utf8').trim();
    const outside = join(dir, 'outside-run');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'manifest.json'), JSON.stringify({ runId: latest, status: 'succeeded', stages: [] }));
    for (const args of [
      ['runs', 'delete', `${latest}/`],
      ['runs', 'delete', '../../outside-run'],
      ['runs', 'promote', `../runs/${latest}`],
      ['runs', 'show', '../../outside-run'],
    ]) {
      const r = await trainyard(ws, ...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(/is not a run id/);
    }
    expect(existsSync(join(ws, 'runs', latest, 'manifest.json'))).toBe(true);
    expect(existsSync(join(outside, 'manifest.json'))).toBe(true);
    expect(readFileSync(join(ws, 'LATEST'), 'utf8').trim()).toBe(latest);
  });

  it('validates request arguments in the engine: a bad --k or --mode is an input error', async () => {
    for (const args of [
      ['similar', '--item', 'i1', '--k', 'abc'],
      ['similar', '--item', 'i1', '--k', '2.5'],
      ['recommend', '--user', 'u1', '--mode', 'bogus'],
    ]) {
      const r = await trainyard(ws, ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/\b(k|mode)\b/);
      expect(r.stderr).not.toMatch(/internal/i);
    }
  });

  it('a damaged workspace database: runs list still lists the run folders, other commands name the file and what to do', async () => {
    const latest = readFileSync(join(ws, 'LATEST'), 'utf8').trim();
    const damaged = join(dir, 'damaged-ws');
    cpSync(join(ws, 'runs', latest), join(damaged, 'runs', latest), { recursive: true });
    copyFileSync(join(ws, 'LATEST'), join(damaged, 'LATEST'));
    writeFileSync(join(damaged, 'trainyard.db'), Buffer.alloc(8192, 0x5a));
    const list = await trainyard(damaged, 'runs', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(`* ${latest}  succeeded`);
    expect(list.stderr).toContain(`warning: ${join(damaged, 'trainyard.db')} is damaged or is not a Trainyard database (SQLITE_NOTADB)`);
    expect(list.stderr).toMatch(/hint: move it aside/);
    const profile = await trainyard(damaged, 'data', 'profile');
    expect(profile.code).toBe(1);
    expect(profile.stderr).toContain(`error: ${join(damaged, 'trainyard.db')} is damaged or is not a Trainyard database`);
    expect(profile.stderr).not.toMatch(/file is not a database/);
  });

  it('classify train refuses a --cv that is not a whole number, before reading anything', async () => {
    for (const cv of ['abc', '2.5']) {
      const r = await trainyard(ws, 'classify', 'train', '--data', join(dir, 'no-such-file.csv'), '--cv', cv);
      expect(r.code, cv).toBe(1);
      expect(r.stderr).toContain(`--cv ${cv}: expected a whole number`);
    }
  });
});
