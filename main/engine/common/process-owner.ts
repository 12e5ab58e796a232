import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import type { ProcessOwner } from '../../common/contracts/runs.ts';

/** What the OS says about a pid: the start of the process that has it now, no such process, or nothing it can tell. */
export type ProcessStart = { state: 'running'; started: string } | { state: 'gone' } | { state: 'unknown' };

/**
 * The start of the process with this pid, which tells it apart from a later process given the same pid.
 * Linux: boot id + field 22 of /proc/<pid>/stat (start time in clock ticks since boot). Other Unix
 * systems: `ps -o lstart=` (to the second). Windows: unknown, and liveness falls back to the pid alone.
 * Zombies count as gone: they have exited and only wait for their parent to collect them.
 */
export function processStart(pid: number, platform: NodeJS.Platform = process.platform): ProcessStart {
  if (platform === 'linux') return linuxStart(pid);
  if (platform === 'win32') return { state: 'unknown' };
  return psStart(pid);
}

function linuxStart(pid: number): ProcessStart {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return { state: 'gone' };
  }
  // Field 2 (the command name) is in parentheses and may hold spaces and ')': fields 3.. follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return { state: 'gone' };
  return { state: 'running', started: `${bootId()}/${fields[22 - 3]}` };
}

let cachedBootId: string | undefined;
function bootId(): string {
  try {
    cachedBootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    cachedBootId = '';
  }
  return cachedBootId;
}

function psStart(pid: number): ProcessStart {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'stat=', '-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch (err) {
    // ps exits 1 when no process has the pid; a missing ps leaves us unable to tell
    return (err as { status?: number }).status === 1 ? { state: 'gone' } : { state: 'unknown' };
  }
  const [stat = '', ...start] = out.split(/\s+/);
  if (!out || stat.startsWith('Z')) return { state: 'gone' };
  return { state: 'running', started: start.join(' ') };
}

let self: ProcessOwner | undefined;
/** This thread of this process, as recorded on the runs and imports it owns. */
export function currentOwner(): ProcessOwner {
  if (!self) {
    const start = processStart(process.pid);
    self = { pid: process.pid, host: hostname(), started: start.state === 'running' ? start.started : '', thread: threadId };
  }
  return self;
}

/** Worker threads of this process that died (reported by the job runner, which lives on the main thread). */
const endedThreads = new Set<number>();

/** Work owned by this worker thread of this process is no longer owned: the thread died. */
export function markThreadEnded(thread: number): void {
  endedThreads.add(thread);
}

/**
 * Whether the recorded owner is still running. A pid now held by a process that started at another
 * time is a different process (pid reuse), so the owner is gone. In this process, a worker thread the
 * job runner saw die is gone. Conservative where it cannot know: another host's process, or a
 * platform without start times, count as alive unless the pid is free.
 */
export function ownerAlive(owner: ProcessOwner): boolean {
  if (owner.host !== hostname()) return true;
  const me = currentOwner();
  if (owner.pid === me.pid && owner.started === me.started) return owner.thread === undefined || !endedThreads.has(owner.thread);
  if (owner.started) {
    const now = processStart(owner.pid);
    if (now.state === 'running') return now.started === owner.started;
    if (now.state === 'gone') return false;
  }
  return pidExists(owner.pid);
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
