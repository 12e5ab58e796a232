import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EngineOptions } from '../../engine/index.ts';
import { startServer } from '../../server/index.ts';
import type { WithEngine } from '../index.ts';
import { onStopSignal, stoppedExitCode } from '../signals.ts';

const RENDERER_DIR = fileURLToPath(new URL('../../../dist/renderer', import.meta.url));

/** A page reaches the workspace only; the files a user picks are uploaded into it. */
const BROWSER_FILES: Pick<EngineOptions, 'files'> = { files: { scope: 'workspace', hint: 'upload the file with Browse… or drop it on the page' } };

export function registerServeCommand(program: Command, withEngine: WithEngine): void {
  program
    .command('serve')
    .description('browser mode: serve the app and the engine on 127.0.0.1 with an access token; the page reaches only the workspace and files uploaded into it')
    .option('--port <n>', 'port (0 picks a free one)', Number, 4317)
    .action((o: { port: number }) =>
      withEngine(async (engine, g) => {
        if (!existsSync(RENDERER_DIR)) throw new Error(`the renderer is not built (${RENDERER_DIR} is missing): run \`npm run build\` first`);
        const server = await startServer({ engine, port: o.port, staticDir: RENDERER_DIR, workspace: engine.workspace.root });
        if (g.json) process.stdout.write(JSON.stringify({ url: server.url }) + '\n');
        else process.stdout.write(`Trainyard is serving ${engine.workspace.root}\nopen ${server.url}\n`);
        await new Promise<void>((resolve) => onStopSignal(resolve));
        await server.close();
        process.exitCode = stoppedExitCode();
      }, BROWSER_FILES),
    );
}
