import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mulberry32 } from '../../main/engine/common/random.ts';

/**
 * The import benches' log: `rows` events of rows / 50 users and rows / 200 items (skewed towards
 * low item ids, so some (user, item) pairs repeat), ratings 1–5, timestamps 3 s apart in file order.
 */
export async function writeInteractionCsv(path: string, rows: number): Promise<void> {
  const rand = mulberry32(7);
  const users = Math.max(10, Math.round(rows / 50));
  const items = Math.max(10, Math.round(rows / 200));
  const out = createWriteStream(path);
  out.write('user_id,item_id,rating,timestamp\n');
  let chunk = '';
  for (let k = 0; k < rows; k++) {
    const u = Math.floor(rand() * users);
    const i = Math.floor(items * rand() ** 2);
    chunk += `u${u},i${i},${1 + Math.floor(rand() * 5)},${1_600_000_000 + k * 3}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
