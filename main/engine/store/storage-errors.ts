import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';

/** Below this much free space a write error ("disk I/O error" included) is reported as a full disk. */
const NEARLY_FULL_BYTES = 64 << 20;

/** Free bytes on the file system holding `path` (null when it cannot be told). */
export function freeBytes(path: string): number | null {
  try {
    const s = statfsSync(dirname(path));
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

const megabytes = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;

/**
 * A write error as an error the user can act on: a full disk (SQLITE_FULL, or an I/O error
 * while almost no space is left: SQLite reports some ENOSPC cases as "disk I/O error") or a disk
 * I/O error, naming the database file. DuckDB's errors writing a dataset's files count the same
 * (they go to the datasets folder beside the database). Null for anything else. `free` is a seam for tests.
 */
export function storageFailure(err: unknown, dbPath: string, free: (path: string) => number | null = freeBytes): EngineError | null {
  const code = sqliteCode(err) ?? duckCode(err);
  if (code === null) return null;
  const left = free(dbPath);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || (left !== null && left < NEARLY_FULL_BYTES)) {
    return new EngineError('invalid-input', `the disk holding ${dbPath} is full${left !== null ? ` (${megabytes(left)} free)` : ''}; nothing was imported`, {
      file: dbPath,
      code,
      hint: 'free some space on that disk (or move the workspace to a larger one) and import again',
    });
  }
  return new EngineError('internal', `disk I/O error writing ${dbPath} (${code}); nothing was imported`, {
    file: dbPath,
    code,
    hint: 'check the disk: free space, permissions, and whether it is still connected',
  });
}

function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) ? code : null;
}

/** DuckDB reports file errors as messages: "IO Error: … No space left on device". */
function duckCode(err: unknown): string | null {
  const message = err instanceof Error ? err.message : '';
  if (!message.startsWith('IO Error:')) return null;
  return /No space left on device/i.test(message) ? 'ENOSPC' : 'EIO';
}
