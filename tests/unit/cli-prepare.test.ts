import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatPreparation, registerDataCommands } from '../../main/cli/commands/data.ts';
import { registerTrainCommand } from '../../main/cli/commands/train.ts';
import type { WithEngine } from '../../main/cli/index.ts';
import { EngineError } from '../../main/common/contracts/errors.ts';
import type { Engine } from '../../main/engine/index.ts';
import { parseRequestArg } from '../../main/engine/request-args.ts';

/** Runs `args` through the real commands and returns the request each sent, or the error it failed with. */
async function sent(...args: string[]): Promise<{ name: string; arg: unknown } | { error: unknown }> {
  let out: { name: string; arg: unknown } | { error: unknown } = { error: 'nothing sent' };
  const engine = {
    request: async (name: string, arg: unknown) => {
      out = { name, arg };
      throw new Error('sent');
    },
  } as unknown as Engine;
  const withEngine: WithEngine = async (body) => {
    await body(engine, { workspace: '/ws', json: false }).catch((err: unknown) => {
      if (!(err instanceof Error && err.message === 'sent')) out = { error: err };
    });
  };
  const program = new Command('trainyard').exitOverride();
  registerDataCommands(program, withEngine);
  registerTrainCommand(program, withEngine);
  await program.parseAsync(args, { from: 'user' });
  return out;
}

const ALL_FLAGS = [
  '--where',
  "country = 'DE'",
  '--from',
  '2024-01-01',
  '--to',
  '2024-07-01',
  '--min-rating',
  '3.5',
  '--implicit',
  '--sample-users',
  '0.1',
  '--sample-seed',
  '7',
  '--repeats',
  'latest',
  '--min-user-events',
  '5',
  '--min-item-events',
  '3',
];
const ALL_SPEC = {
  where: "country = 'DE'",
  from: '2024-01-01',
  to: '2024-07-01',
  minRating: 3.5,
  implicit: true,
  sampleUsers: 0.1,
  seed: 7,
  repeats: 'latest',
  minUserEvents: 5,
  minItemEvents: 3,
};

describe('preparation flags', () => {
  it('data import sends them as ImportArgs.prepare, which the engine accepts', async () => {
    const r = await sent('data', 'import', '/data/log.csv', ...ALL_FLAGS);
    expect(r).toEqual({ name: 'data.import', arg: { interactions: '/data/log.csv', prepare: ALL_SPEC } });
    expect(parseRequestArg('data.import', (r as { arg: unknown }).arg)).toEqual({ interactions: '/data/log.csv', prepare: ALL_SPEC });
  });

  it('data import without them sends no prepare', async () => {
    expect(await sent('data', 'import', '/data/log.csv')).toEqual({ name: 'data.import', arg: { interactions: '/data/log.csv' } });
  });

  it('train sends them as data.prepare in the inline config', async () => {
    const r = (await sent('train', '--config', '/c/trainyard.yaml', '--interactions', '/data/log.csv', '--min-user-events', '2', '--sample-users', '500')) as {
      arg: { config: { data: unknown } };
    };
    expect(r.arg.config.data).toEqual({ interactions: '/data/log.csv', prepare: { minUserEvents: 2, sampleUsers: 500 } });
  });

  it('a value that is not a number fails naming the flag, before anything is sent', async () => {
    for (const [flag, value, expected] of [
      ['--min-rating', 'four', 'a number'],
      ['--min-user-events', '2.5', 'a whole number'],
      ['--sample-seed', '-1', 'a whole number'],
    ] as const) {
      const r = (await sent('data', 'import', '/data/log.csv', flag, value)) as { error: unknown };
      expect(r.error).toBeInstanceOf(EngineError);
      expect((r.error as EngineError).message).toBe(`${flag} ${value}: expected ${expected}`);
    }
  });
});

describe('formatPreparation', () => {
  it('lines up the counts after each step', () => {
    expect(
      formatPreparation([
        { step: 'source', label: 'as read from the source', events: 12000, users: 300, items: 90 },
        { step: 'k-core', label: 'at least 5 events per user (iterated k-core, 2 rounds)', events: 9500, users: 210, items: 88 },
      ]),
    ).toBe(
      [
        'prepared                                                events  users  items',
        'as read from the source                                  12000    300     90',
        'at least 5 events per user (iterated k-core, 2 rounds)    9500    210     88',
      ].join('\n'),
    );
  });
});
