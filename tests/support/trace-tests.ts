import { appendFileSync } from 'node:fs';
import { beforeEach } from 'vitest';

// CI sets TRAINYARD_TEST_TRACE to a file; each test appends its name as it starts, so that a test
// process killed by a signal (native code aborting) still leaves which test was running.
const trace = process.env.TRAINYARD_TEST_TRACE;
if (trace) {
  beforeEach((context) => {
    appendFileSync(trace, `${new Date().toISOString()} pid ${process.pid} ${context.task.file.name} > ${context.task.name}\n`);
  });
}
