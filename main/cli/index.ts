import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { createEngine, type Engine, type EngineOptions } from '../engine/index.ts';
import { isDamagedDatabaseError } from '../engine/store/db.ts';
import { PACKAGE_VERSION } from '../engine/common/version.ts';
import { registerClassifyCommands } from './commands/classify.ts';
import { registerCompareCommand } from './commands/compare.ts';
import { registerDataCommands } from './commands/data.ts';
import { registerQueryCommands } from './commands/query.ts';
import { registerRunsCommands } from './commands/runs.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerTrainCommand } from './commands/train.ts';
import { reportError, reportWarning, type GlobalOptions } from './output.ts';

const program = new Command('trainyard')
  .description('Train, evaluate and try recommender and text models on your own machine')
  .version(PACKAGE_VERSION)
  .addOption(new Option('--workspace <dir>', 'workspace folder').env('TRAINYARD_WORKSPACE').default('./workspace'))
  .option('--json', 'machine-readable output on stdout', false)
  .showHelpAfterError();

function globals(): GlobalOptions {
  const o = program.opts<{ workspace: string; json: boolean }>();
  return { workspace: resolve(o.workspace), json: o.json };
}

/**
 * Runs a command body with an engine for the workspace, closing it and reporting errors. The
 * engine reads any file the user names on the command line unless the command confines it.
 */
export type WithEngine = (body: (engine: Engine, g: GlobalOptions) => Promise<void>, options?: Pick<EngineOptions, 'files'> & WithoutDatabase) => Promise<void>;
interface WithoutDatabase {
  /** what the command can still do when the workspace database is damaged (after a warning) */
  withoutDatabase?: (g: GlobalOptions) => void;
}
const withEngine: WithEngine = async (body, options) => {
  const g = globals();
  const { withoutDatabase, ...engineOptions } = options ?? {};
  let engine: Engine | null = null;
  try {
    try {
      engine = await createEngine({ workspace: g.workspace, workers: 1, ...engineOptions });
    } catch (err) {
      if (!withoutDatabase || !isDamagedDatabaseError(err)) throw err;
      reportWarning(err);
      return withoutDatabase(g);
    }
    await body(engine, g);
  } catch (err) {
    reportError(err, g.json);
  } finally {
    await engine?.close();
  }
};

registerDataCommands(program, withEngine);
registerTrainCommand(program, withEngine);
registerRunsCommands(program, withEngine);
registerCompareCommand(program, withEngine);
registerQueryCommands(program, withEngine);
registerClassifyCommands(program, withEngine);
registerServeCommand(program, withEngine);

await program.parseAsync(process.argv);
