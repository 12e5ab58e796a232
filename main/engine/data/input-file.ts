import { statSync, type Stats } from 'node:fs';
import { EngineError } from '../../common/contracts/errors.ts';

/**
 * Source files must be regular files. A FIFO blocks the reader until some writer opens it, and a
 * device such as /dev/zero never ends, so either would hang an import before any check could run.
 * A path that does not exist passes here: the reader reports it in its own words.
 */
export function checkRegularFile(path: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return;
  }
  if (stats.isFile()) return;
  throw new EngineError('invalid-input', `${path} is not a regular file: it is ${whatItIs(stats)}`, {
    file: path,
    hint: stats.isDirectory() ? 'give a file inside this folder' : 'save the data to a file first and give that file',
  });
}

function whatItIs(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}
