import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/trainyard.js', import.meta.url).pathname;

/** `trainyard serve` as a user starts it: the page may read the workspace and its uploads, nothing else. */
describe('trainyard serve confines the page to the workspace', () => {
  let dir: string;
  let child: ChildProcess;
  let url: URL;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ty-serve-'));
    child = spawn(process.execPath, [BIN, '--workspace', join(dir, 'ws'), '--json', 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<URL>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(new URL((JSON.parse(d.toString()) as { url: string }).url)));
      child.once('exit', (c) => reject(new Error(`serve exited with ${c}`)));
    });
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (name: string, body: BodyInit, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${url.origin}/api/${name}`, { method: 'POST', headers: { authorization: `Bearer ${url.searchParams.get('token')}`, ...headers }, body });

  it('refuses a system file and an output outside the workspace, and reads an uploaded file', async () => {
    const refused = await post('data.preview', JSON.stringify({ file: '/etc/passwd', kind: 'items' }));
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as { error: { message: string; details: { field: string } } };
    expect(error.message).toMatch(/outside the workspace/);
    expect(error.details.field).toBe('file');
    expect((await post('data.generate', JSON.stringify({ out: join(dir, 'elsewhere') }))).status).toBe(400);

    const uploaded = await post('upload', 'item_id,title\ni1,One\ni2,Two\n', { 'x-file-name': 'items.csv' });
    const { value } = (await uploaded.json()) as { value: { path: string } };
    expect(value.path.startsWith(join(dir, 'ws', 'uploads'))).toBe(true);
    const preview = (await (await post('data.preview', JSON.stringify({ file: value.path, kind: 'items' }))).json()) as { value: { columns: string[] } };
    expect(preview.value.columns).toEqual(['item_id', 'title']);
  });
});
